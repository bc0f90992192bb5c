package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ballast.local.launch.Commands;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Output;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Directories;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.SystemPrerequisites;
import io.ballast.testsupport.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The product as a newcomer starts it: one {@code ./ballast up --real-guest} through the real script, on the programs
 * this build packaged, serving every test here in order. Every service ready and verifying tokens of the stack's key;
 * the default simulated fleet (plus the real guest) settling within two minutes; the real guest's agent daemon keeping
 * a real ballast in a loop-mounted ext4 whose blocks the worker punches out of the image; the operator console in a
 * real headless Chromium showing, figure for figure, what the REST APIs answer about this fleet, its actions working
 * end to end (a viewer refused, an operator pinning a ballast, a resize dry run the real worker scans, followed live);
 * the real Prometheus with {@code deploy/prometheus}'s rules scraping every service and firing the headroom alert of
 * the datastore whose guests grow; and last, SIGTERM (what Ctrl-C turns into) stopping everything and releasing the
 * real guest's loop device and mount.
 *
 * <p>Needs root (the real guest's loop device), ports 8081-8084 and 8443 free, chromium with chromedriver for the
 * console's tests and prometheus for Prometheus's; with {@code CI=true} a missing prerequisite fails. The refusals of
 * {@code ./ballast up} are in {@link LocalStackRefusalsTest}, which runs no stack.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Isolated("the stack holds ports 8081-8084 and 8443, which LocalStackRefusalsTest needs free or takes itself")
class LocalStackTest {

    private static final Path ROOT = Program.ROOT;
    private static final List<Integer> SERVICE_PORTS = List.of(8081, 8082, 8083, 8084);
    private static final long GIB = 1L << 30;
    /** The default fleet's first datastore: host-001's, whose guests grow; the real guest's disk is on it too. */
    private static final String FIRST_DATASTORE = "00000001-0000-4000-9000-000000000000";
    /** host-001's second datastore: two VMs, room to spare. */
    private static final String ROOMY_DATASTORE = "00000001-0000-4000-9000-000000000001";
    /** vm-00011, on the roomy datastore. */
    private static final String ROOMY_DISK = "00000001-0000-4000-8000-00000000000a-vda";
    /** vm-00010: shut off, its image a real ext4 filesystem that a scan reads and a resize plans on. */
    private static final String SHUT_OFF_VM = "00000001-0000-4000-8000-000000000009";

    private static final String REAL_GUEST_VM = "0000ba11-a570-4000-8000-000000000001";
    private static final String REAL_GUEST_DISK = REAL_GUEST_VM + "-vda";
    private static final Path FLEET = ROOT.resolve(".ballast/fleet");
    private static final Path REAL_GUEST_IMAGE = FLEET.resolve("images/host-001-ds-1/real-guest.img");
    private static final Path REAL_GUEST_MOUNT = FLEET.resolve("real-guest/mnt");

    /** The stack's output, kept as a test artifact. */
    private static final Path STACK_LOG = ROOT.resolve("contract-tests/target/local-stack.log");

    /** Prometheus's log, kept as a test artifact. */
    private static final Path PROMETHEUS_LOG = ROOT.resolve("contract-tests/target/prometheus.log");
    /** What the test's copy of deploy/prometheus's rules has for every {@code for:}. */
    private static final String PROMETHEUS_FOR = "4s";

    private static final List<String> ENDED = List.of("FINISHED", "FAILED", "CANCELLED");
    private static final Duration PAGE_WAIT = ConsolePages.PAGE_WAIT;

    /** Chromium's downloads (the VM report's CSV). */
    @TempDir
    static Path downloads;

    private static LaunchedProgram up;
    private static long started;
    private static List<ProcessHandle> descendants = List.of();
    /** The real guest's image on the host before anything was punched out of it. */
    private static long realGuestBackedBeforeBytes;

    private static Map<String, String> tokens;
    private static RestApi inventory;
    private static RestApi reservation;
    private static ConsolePages pages;
    private static Map<String, String> datastoreNames;

    @BeforeAll
    static void upWithARealGuest() throws Exception {
        // the real guest's image on a loop device (RealGuest), and what the worker's scan runs
        SystemPrerequisites.require(
                "truncate",
                "sfdisk",
                "losetup",
                "partx",
                "mkfs.ext4",
                "mount",
                "umount",
                "stat",
                "blkid",
                "dumpe2fs",
                "resize2fs",
                "e2fsck");
        for (int port : List.of(8081, 8082, 8083, 8084, 8443)) {
            assertThat(LocalStackRefusalsTest.accepts(port))
                    .as("port %d must be free for this test", port)
                    .isFalse();
        }
        freshRealGuest();
        started = System.nanoTime();
        up = LocalStackRefusalsTest.ballast(Map.of(), "up", "--real-guest");
        // prepared before the services start: nothing can have been punched out of the image yet
        assertThat(up.awaitReady(new Readiness.OutputContains("[fleet] fleet: real guest "), Duration.ofMinutes(2)))
                .as("./ballast up prepared the real guest; its output:%n%s", up.outputText())
                .isEqualTo(new Startup.Ready());
        realGuestBackedBeforeBytes = backedBytes(REAL_GUEST_IMAGE);
        assertThat(up.awaitReady(new Readiness.OutputContains("Press Ctrl-C to stop."), Duration.ofMinutes(3)))
                .as("./ballast up ready; its output:%n%s", up.outputText())
                .isEqualTo(new Startup.Ready());
        descendants = up.handle().descendants().toList();
        tokens = Map.of(Roles.VIEWER, stackToken(Roles.VIEWER), Roles.OPERATOR, stackToken(Roles.OPERATOR));
        inventory = new RestApi(8081, role -> "Bearer " + tokens.get(role));
        reservation = new RestApi(8082, role -> "Bearer " + tokens.get(role));
    }

    @AfterAll
    static void stopWhatIsLeft() throws Exception {
        if (pages != null) {
            pages.close();
        }
        if (up != null) {
            try {
                if (up.isAlive()) {
                    up.terminate();
                    up.awaitExit(Duration.ofSeconds(90));
                }
            } finally {
                up.handle().descendants().forEach(ProcessHandle::destroyForcibly);
                descendants.forEach(ProcessHandle::destroyForcibly);
                up.close();
                // every line the stack wrote, for reading after a failure
                Files.writeString(STACK_LOG, up.outputText());
            }
        }
    }

    @Test
    @Order(1)
    void everyServiceIsReadyAndVerifiesTokensOfTheStacksKey() throws Exception {
        assertThat(descendants).hasSizeGreaterThanOrEqualTo(5);
        HttpClient http = HttpClient.newHttpClient();
        for (int port : SERVICE_PORTS) {
            HttpResponse<String> ready = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as("readiness of port %d", port).isEqualTo(200);
            assertThat(ready.body()).contains("\"status\": \"UP\"");
        }
        assertServicesVerifyTokensOfTheStacksKey();
    }

    /**
     * The default fleet (2 hosts of 12 VMs, each with a full datastore of 10 and a roomy one of 2; 2 VMs shut off) and
     * the real guest, on the first datastore, settle within two minutes of {@code ./ballast up}: inventory discovered
     * every VM, every running VM's agent is online with its ballast applied, the worker punched ballasts out of real
     * images (their allocation dropped), and the first datastore, whose guests grow until it would overflow, is held
     * under its limit by its ballasts while its minimums go unmet.
     */
    @Test
    @Order(2)
    void theSimulatedFleetSettlesWithinTwoMinutesOfUp() throws Exception {
        Duration left = Duration.ofMinutes(2).minusNanos(System.nanoTime() - started);
        await().atMost(left.isNegative() ? Duration.ZERO : left)
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    JsonNode vms = RestApi.ok(inventory.get("/vms?limit=100"));
                    assertThat(vms.get("vms")).as("inventory's VMs").hasSize(25);
                    JsonNode disks = RestApi.ok(reservation.get("/datastores/" + FIRST_DATASTORE + "/disks"));
                    assertThat(disks.get("disks")).hasSize(11);
                    for (JsonNode disk : disks.get("disks")) {
                        if (disk.get("vmId").asText().equals(SHUT_OFF_VM)) {
                            assertThat(disk.get("agentOnline").asBoolean())
                                    .as("vm-00010 is shut off")
                                    .isFalse();
                            continue;
                        }
                        assertThat(disk.get("agentOnline").asBoolean())
                                .as("agent of %s", disk.get("id"))
                                .isTrue();
                        assertThat(disk.get("ballasts"))
                                .as("ballast of %s", disk.get("id"))
                                .isNotEmpty();
                        assertThat(disk.get("ballasts")
                                        .get(0)
                                        .get("reclaimedAt")
                                        .isNull())
                                .as("%s's ballast punched out of its image", disk.get("id"))
                                .isFalse();
                    }
                });
        System.out.printf("the fleet settled %.0f s after ./ballast up%n", (System.nanoTime() - started) / 1e9);
        assertThat(up.outputText()).contains("[fleet] fleet: 2 hosts, 25 VMs on 4 datastores");
        assertThat(up.outputText()).containsPattern("\\[resize-worker\\] .* reclaimed job=reclaim-");

        // the hot datastore: at its limit, its guests full, never over it
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    JsonNode datastore = RestApi.ok(reservation.get("/datastores/" + FIRST_DATASTORE));
                    assertThat(datastore.get("alerts").toString()).contains("MINIMUMS_UNMET");
                    assertThat(datastore.get("invariantHolds").asBoolean())
                            .as("the ballasts hold the datastore under its limit: %s", datastore)
                            .isTrue();
                });
        System.out.printf(
                "the first datastore's minimums went unmet %.0f s after ./ballast up%n",
                (System.nanoTime() - started) / 1e9);
        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:8082/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).containsPattern("(?m)^ballast_invariant_violations_total(\\{[^}]*\\})? 0\\.0$");
    }

    /**
     * The real guest is kept by the real agent daemon: the ballast reservation-service counts as applied is a file of
     * that size in the guest's mounted ext4, and the worker punched its blocks out of the image on the host, so the
     * image holds fewer bytes than before the first reclaim.
     */
    @Test
    @Order(3)
    void theRealGuestsAgentKeepsARealBallastThatTheWorkerPunchesOutOfItsImage() throws Exception {
        assertThat(up.output())
                .as("the real agent daemon's session")
                .anyMatch(line -> line.startsWith("[agent] ")
                        && line.contains("connected to the gateway as VM " + REAL_GUEST_VM));
        Path ballast = REAL_GUEST_MOUNT.resolve(".ballast");
        await().atMost(PAGE_WAIT).untilAsserted(() -> {
            JsonNode disk = RestApi.ok(reservation.get("/disks/" + REAL_GUEST_DISK));
            assertThat(disk.get("agentOnline").asBoolean()).isTrue();
            assertThat(disk.get("ballasts")).hasSize(1);
            long applied = disk.get("ballasts").get(0).get("appliedBytes").asLong();
            assertThat(applied).as("the ballast applied: %s", disk).isPositive();
            assertThat(ballast).exists();
            assertThat(Files.size(ballast))
                    .as("the ballast file in the guest's filesystem")
                    .isEqualTo(applied);
        });

        Pattern reclaimed = Pattern.compile(
                "^\\[resize-worker\\] .* reclaimed job=(\\S+) disk=" + REAL_GUEST_DISK + " image=(\\S+) freed=(\\d+) ");
        List<Long> freed = new ArrayList<>();
        await().atMost(PAGE_WAIT).untilAsserted(() -> {
            freed.clear();
            for (String line : up.output()) {
                Matcher matcher = reclaimed.matcher(line);
                if (matcher.find()) {
                    assertThat(Path.of(matcher.group(2))).isEqualTo(REAL_GUEST_IMAGE);
                    freed.add(Long.parseLong(matcher.group(3)));
                }
            }
            assertThat(freed)
                    .as("the worker's reclaims of the real guest's image")
                    .isNotEmpty();
        });
        assertThat(freed.getFirst())
                .as("the first reclaim of a fresh real guest frees the blocks its earlier files left backed")
                .isPositive();
        long backedNow = backedBytes(REAL_GUEST_IMAGE);
        System.out.printf(
                "the real guest's image: %d bytes backed before its first reclaim, %d now (reclaims freed %s)%n",
                realGuestBackedBeforeBytes, backedNow, freed);
        assertThat(backedNow).as("the image's allocation on the host dropped").isLessThan(realGuestBackedBeforeBytes);

        // reservation-service counts what the worker freed, per datastore, once it took the result in
        String datastore = RestApi.ok(reservation.get("/disks/" + REAL_GUEST_DISK))
                .get("datastoreId")
                .asText();
        long freedSeen = freed.stream().mapToLong(Long::longValue).sum();
        await().atMost(PAGE_WAIT).untilAsserted(() -> assertThat(Program.metrics(8082)
                        .valueOrZero("ballast_reclaimed_bytes_total", Map.of("datastore", datastore)))
                .as("ballast_reclaimed_bytes_total of the real guest's datastore")
                .isGreaterThanOrEqualTo(freedSeen));
    }

    // ---- the operator console against this stack ----------------------------------------------------------------

    @Test
    @Order(4)
    void aViewerSignsInWithATokenAndATokenOfAnotherKeyIsRefusedSayingWhy() throws Exception {
        ConsolePages pages = pages();
        pages.show("/sign-in");
        pages.signIn("not a token");
        assertThat(pages.text("#problems")).contains("this is not a bearer token");
        assertThat(pages.address()).endsWith("/console/sign-in");
        pages.signIn(Tokens.foreignBearer(Roles.VIEWER).substring("Bearer ".length()));
        await().atMost(PAGE_WAIT).until(() -> pages.text("#problems").contains("(401)"));
        assertThat(pages.text("#problems")).contains("not signed for this stack");

        pages.screenshot("sign-in");
        pages.signIn(tokens.get(Roles.VIEWER));
        await().atMost(PAGE_WAIT).until(() -> pages.address().endsWith("/console"));
        pages.loaded();
        assertThat(pages.attribute("#who [data-roles]", "data-roles")).isEqualTo("viewer");
    }

    @Test
    @Order(5)
    void theFleetOverviewShowsEachDatastoreAsReservationServiceCountsIt() throws Exception {
        ConsolePages pages = pages();
        JsonNode datastores = pages.matching("", () -> RestApi.ok(reservation.get("/datastores")), (answer, page) -> {
            page.count("#datastores tbody tr", answer.get("datastores").size());
            page.count(
                    "#capacity-chart svg g[data-datastore]",
                    answer.get("datastores").size());
            for (JsonNode datastore : answer.get("datastores")) {
                String row =
                        "#datastores tr[data-datastore='" + datastore.get("id").asText() + "'] ";
                for (String field : List.of(
                        "capacityBytes",
                        "reserveBytes",
                        "limitBytes",
                        "worstCaseDemandBytes",
                        "otherBytes",
                        "holdBytes",
                        "headroomBytes")) {
                    page.bytes(
                            row + "[data-field='" + field + "']",
                            datastore.get(field).asLong());
                }
                page.text(row + "[data-field='disks']", datastore.get("disks").asText());
                page.text(
                        row + "[data-field='name']",
                        datastoreNames().get(datastore.get("id").asText()));
                page.attributes(row + "[data-field='alerts'] .badge", "textContent", texts(datastore.get("alerts")));
            }
        });
        assertThat(datastores.get("datastores")).hasSize(4);
        assertThat(pages.text("#datastores tr[data-datastore='" + FIRST_DATASTORE + "'] [data-field='name']"))
                .isEqualTo("host-001-ds-1");
        // bytes are shown human-readable, with the exact figure at hand
        String capacity =
                "#datastores tr[data-datastore='" + FIRST_DATASTORE + "'] [data-field='capacityBytes'] .bytes";
        assertThat(pages.text(capacity)).isEqualTo("100.0 GiB");
        assertThat(pages.attribute(capacity, "title")).isEqualTo("107,374,182,400 bytes");
        pages.screenshot("fleet");
    }

    @Test
    @Order(6)
    void aDatastoresPageShowsItsDisksWithTheirBudgetsAndBallasts() throws Exception {
        ConsolePages pages = pages();
        Map<String, String> vmNames = vmNames();
        JsonNode disks = pages.matching(
                "/datastores/" + FIRST_DATASTORE,
                () -> RestApi.ok(reservation.get("/datastores/" + FIRST_DATASTORE + "/disks")),
                (answer, page) -> {
                    page.count("#disks tbody tr", answer.get("disks").size());
                    page.count(
                            "#disk-chart svg g[data-disk]", answer.get("disks").size());
                    for (JsonNode disk : answer.get("disks")) {
                        String row = "#disks tr[data-disk='" + disk.get("id").asText() + "'] ";
                        for (String field : List.of(
                                "designatedBytes",
                                "budgetBytes",
                                "effectiveBytes",
                                "utilizedBytes",
                                "minimumBudgetBytes",
                                "worstCaseDemandBytes",
                                "unreclaimedBytes")) {
                            page.bytes(
                                    row + "[data-field='" + field + "']",
                                    disk.get(field).asLong());
                        }
                        long ballast = 0;
                        for (JsonNode slot : disk.get("ballasts")) {
                            ballast += slot.get("appliedBytes").asLong();
                        }
                        page.bytes(row + "[data-field='ballastBytes']", ballast);
                        page.text(
                                row + "[data-field='state']", disk.get("state").asText());
                        page.text(
                                row + "[data-field='agent']",
                                disk.get("agentOnline").asBoolean() ? "online" : "offline");
                        page.text(
                                row + "[data-field='vm']",
                                vmNames.get(disk.get("vmId").asText()));
                    }
                });
        assertThat(disks.get("disks")).hasSize(11);
        assertThat(pages.text("#disks tr[data-disk='" + REAL_GUEST_DISK + "'] [data-field='vm']"))
                .isEqualTo("real-guest");
        assertThat(pages.text("h1")).isEqualTo("Datastore host-001-ds-1");
        pages.screenshot("datastore");
    }

    @Test
    @Order(7)
    void theVmReportShowsGuestUsageNextToHostAllocationAndDownloadsAsCsv() throws Exception {
        ConsolePages pages = pages();
        JsonNode report = pages.matching(
                "/vms",
                () -> {
                    ObjectNode both = RestApi.JSON.createObjectNode();
                    both.set("report", RestApi.ok(inventory.get("/reports/vms?limit=1000")));
                    both.set("savings", RestApi.ok(inventory.get("/reports/savings")));
                    return both;
                },
                (answer, page) -> {
                    JsonNode rows = answer.get("report").get("rows");
                    page.count("#report tbody tr", rows.size());
                    for (JsonNode row : rows) {
                        String tr = "#report tr[data-disk='" + row.get("diskId").asText() + "'] ";
                        for (String field :
                                List.of("designatedBytes", "totalBytes", "usedBytes", "ballastBytes", "backedBytes")) {
                            if (row.path(field).isNull() || row.path(field).isMissingNode()) {
                                page.text(tr + "[data-field='" + field + "']", "—");
                            } else {
                                page.bytes(
                                        tr + "[data-field='" + field + "']",
                                        row.get(field).asLong());
                            }
                        }
                        page.text(
                                tr + "[data-field='vmName']", row.get("vmName").asText());
                        page.text(
                                tr + "[data-field='powerState']",
                                row.get("powerState").asText());
                        page.text(
                                tr + "[data-field='alignment']",
                                row.get("alignment").asText());
                    }
                    page.bytes(
                            "#savings [data-field='projectedBytes']",
                            answer.get("savings").get("projectedBytes").asLong());
                });
        assertThat(report.get("report").get("rows")).as("a row per VM's disk").hasSize(25);
        pages.screenshot("vm-report");

        // the download, line by line as the API answers the same CSV just before or just after it
        String path = "/api/v1/reports/vms?format=csv&limit=1000";
        List<String> disagreements = List.of();
        long until = System.nanoTime() + PAGE_WAIT.toNanos();
        do {
            List<String> before = csvAsTheApiAnswers(path);
            List<String> downloaded = Files.readAllLines(pages.download("ballast-vm-report.csv", "csv"));
            List<String> after = csvAsTheApiAnswers(path);
            disagreements = new ArrayList<>();
            if (downloaded.size() != after.size() && downloaded.size() != before.size()) {
                disagreements.add(downloaded.size() + " lines downloaded, " + after.size() + " answered");
            }
            for (int i = 0; i < downloaded.size() && disagreements.isEmpty(); i++) {
                String line = downloaded.get(i);
                if (!(i < before.size() && line.equals(before.get(i)))
                        && !(i < after.size() && line.equals(after.get(i)))) {
                    disagreements.add("line " + (i + 1) + " '" + line + "' was neither '"
                            + (i < before.size() ? before.get(i) : "") + "' nor '"
                            + (i < after.size() ? after.get(i) : "") + "'");
                }
            }
        } while (!disagreements.isEmpty() && System.nanoTime() < until);
        assertThat(disagreements).as("the CSV downloaded against the API's").isEmpty();
    }

    @Test
    @Order(8)
    void alertsAndMigrationRecommendationsAreThoseReservationServiceRaised() throws Exception {
        ConsolePages pages = pages();
        Map<String, String> vmNames = vmNames();
        JsonNode datastores =
                pages.matching("/alerts", () -> RestApi.ok(reservation.get("/datastores")), (answer, page) -> {
                    for (JsonNode datastore : answer.get("datastores")) {
                        String id = datastore.get("id").asText();
                        List<String> raised = new ArrayList<>();
                        datastore
                                .get("alerts")
                                .forEach(alert -> raised.add(alert.asText().split("/")[0]));
                        if (!datastore.get("invariantHolds").asBoolean()) {
                            raised.add("INVARIANT_VIOLATED");
                        }
                        page.attributesInAnyOrder("#alerts tr[data-datastore='" + id + "']", "data-alert", raised);
                        String row = "#recommendations tr[data-datastore='" + id + "'] ";
                        JsonNode recommendation = datastore.path("recommendation");
                        if (recommendation.isMissingNode() || recommendation.isNull()) {
                            page.count("#recommendations tr[data-datastore='" + id + "']", 0);
                            continue;
                        }
                        page.attributes(
                                row + "[data-vm]",
                                "data-vm",
                                List.of(recommendation.get("vmId").asText()));
                        page.text(
                                row + "[data-field='vmId']",
                                vmNames.get(recommendation.get("vmId").asText()));
                        page.text(
                                row + "[data-field='toDatastoreId']",
                                datastoreNames()
                                        .get(recommendation.get("toDatastoreId").asText()));
                        page.bytes(
                                row + "[data-field='bytesToMove']",
                                recommendation.get("bytesToMove").asLong());
                        page.bytes(
                                row + "[data-field='demandFreedBytes']",
                                recommendation.get("demandFreedBytes").asLong());
                    }
                });
        JsonNode first = null;
        for (JsonNode datastore : datastores.get("datastores")) {
            if (datastore.get("id").asText().equals(FIRST_DATASTORE)) {
                first = datastore;
            }
        }
        assertThat(first).as("the first datastore at reservation-service").isNotNull();
        assertThat(first.get("alerts").toString()).as("its guests filled up").contains("MINIMUMS_UNMET");
        assertThat(pages.attributes("#alerts tr[data-datastore='" + FIRST_DATASTORE + "']", "data-alert"))
                .contains("MINIMUMS_UNMET");
        pages.screenshot("alerts");
    }

    /** The real guest's disk: the usage its real agent reported, its budget, its ledger and its image on the host. */
    @Test
    @Order(9)
    void aDisksPageShowsItsUsageForecastAndLedger() throws Exception {
        ConsolePages pages = pages();
        String usagePath = "/vms/" + REAL_GUEST_VM + "/usage?mountPoint="
                + URLEncoder.encode(REAL_GUEST_MOUNT.toString(), StandardCharsets.UTF_8);
        JsonNode disk = pages.matching(
                "/disks/" + REAL_GUEST_DISK,
                () -> {
                    ObjectNode all = RestApi.JSON.createObjectNode();
                    all.set("ledger", RestApi.ok(reservation.get("/ledger?limit=100&disk=" + REAL_GUEST_DISK)));
                    all.set("budget", RestApi.ok(reservation.get("/disks/" + REAL_GUEST_DISK)));
                    all.set("known", RestApi.ok(inventory.get("/disks/" + REAL_GUEST_DISK)));
                    all.set("usage", RestApi.ok(inventory.get(usagePath)));
                    return all;
                },
                (answer, page) -> {
                    List<String> lines = new ArrayList<>();
                    answer.get("ledger")
                            .get("lines")
                            .forEach(line -> lines.add(line.get("id").asText()));
                    page.attributes("#ledger tbody tr", "data-line", lines);
                    JsonNode newest = answer.get("ledger").get("lines").get(0);
                    if (newest != null) {
                        String row = "#ledger tr[data-line='" + newest.get("id").asText() + "'] ";
                        page.bytes(
                                row + "[data-field='afterBytes']",
                                newest.get("afterBytes").asLong());
                        page.text(
                                row + "[data-field='reason']",
                                newest.get("reason").asText());
                    }
                    JsonNode budget = answer.get("budget");
                    for (String field : List.of(
                            "budgetBytes",
                            "effectiveBytes",
                            "utilizedBytes",
                            "minimumBudgetBytes",
                            "unreclaimedBytes")) {
                        page.bytes(
                                "#disk-summary [data-field='" + field + "']",
                                budget.get(field).asLong());
                    }
                    page.bytes(
                            "#disk-summary [data-field='ballast:" + REAL_GUEST_MOUNT + "']",
                            budget.get("ballasts").get(0).get("appliedBytes").asLong());
                    page.bytes(
                            "#disk-summary [data-field='backedBytes']",
                            answer.get("known").get("backedBytes").asLong());
                    List<String> points = new ArrayList<>();
                    answer.get("usage")
                            .get("points")
                            .forEach(point ->
                                    points.add(point.get("utilizedBytes").asText()));
                    page.attributesInAnyOrder("#usage-chart circle[data-point]", "data-point", points);
                });
        assertThat(disk.get("ledger").get("lines"))
                .as("the disk's budget changes")
                .isNotEmpty();
        assertThat(disk.get("usage").get("points"))
                .as("the real agent's reports")
                .isNotEmpty();
        assertThat(pages.text("h1")).isEqualTo("Disk " + REAL_GUEST_DISK + " of VM real-guest");
        assertThat(pages.count("#usage-chart [data-line='budget']")).isEqualTo(1);
        pages.screenshot("disk");
    }

    @Test
    @Order(10)
    void aViewerWhoTriesToPinABallastIsToldWhyAndNothingChanges() throws Exception {
        ConsolePages pages = pages();
        pages.show("/disks/" + ROOMY_DISK);
        assertThat(pages.text("#role-note")).contains("(viewer)").contains("will refuse");
        pages.type("override-bytes", "3 GiB");
        pages.click("override");
        await().atMost(PAGE_WAIT).until(() -> !pages.text("#override-result").isEmpty());
        assertThat(pages.text("#override-result")).contains("refused (403)").contains("roles (viewer)");
        JsonNode pinned = RestApi.ok(reservation.get("/disks/" + ROOMY_DISK)).path("pinnedBallastBytes");
        assertThat(pinned.isMissingNode() || pinned.isNull())
                .as("no ballast pinned: %s", pinned)
                .isTrue();
    }

    @Test
    @Order(11)
    void anOperatorPinsABallastOnADiskOfTheRoomyDatastore() throws Exception {
        ConsolePages pages = pages();
        JsonNode disk = RestApi.ok(reservation.get("/disks/" + ROOMY_DISK));
        assertThat(disk.get("datastoreId").asText()).isEqualTo(ROOMY_DATASTORE);
        long designated = disk.get("designatedBytes").asLong();
        pages.show("/sign-in?next=/console/disks/" + ROOMY_DISK);
        pages.signIn(tokens.get(Roles.OPERATOR));
        await().atMost(PAGE_WAIT).until(() -> pages.address().endsWith("/console/disks/" + ROOMY_DISK));
        pages.loaded();
        // an operator answering an alert asks for growth: granted from the roomy datastore's headroom
        pages.type("growth-bytes", "1 GiB");
        pages.click("growth");
        await().atMost(PAGE_WAIT).until(() -> pages.text("#growth-result").contains("GRANTED"));
        String growthId = pages.attribute("#growth-result [data-growth]", "data-growth-id");
        JsonNode growth = RestApi.ok(reservation.get("/growth/" + growthId));
        assertThat(growth.get("state").asText()).isEqualTo("GRANTED");
        assertThat(growth.get("targetBudgetBytes").asLong())
                .isEqualTo(growth.get("previousBudgetBytes").asLong() + GIB);
        assertThat(RestApi.ok(reservation.get("/disks/" + ROOMY_DISK))
                        .get("budgetBytes")
                        .asLong())
                .as("a granted growth is a floor of the budget")
                .isGreaterThanOrEqualTo(growth.get("targetBudgetBytes").asLong());

        int ledgerLines = RestApi.ok(reservation.get("/ledger?limit=100&disk=" + ROOMY_DISK))
                .get("lines")
                .size();

        pages.type("override-bytes", "three gigs");
        pages.click("override");
        assertThat(pages.text("#override-result")).contains("'three gigs' is not a size");

        pages.type("override-bytes", "3 GiB");
        pages.click("override");
        await().atMost(PAGE_WAIT).until(() -> pages.text("#override-result").contains("Ballast pinned at"));
        assertThat(pages.bytesIn("#override-result")).isEqualTo(3 * GIB);
        JsonNode pinned = RestApi.ok(reservation.get("/disks/" + ROOMY_DISK));
        assertThat(pinned.get("pinnedBallastBytes").asLong()).isEqualTo(3 * GIB);
        assertThat(pinned.get("budgetBytes").asLong()).isEqualTo(designated - 3 * GIB);
        await().atMost(PAGE_WAIT)
                .until(() -> pages.bytesIn("#disk-summary [data-field='pinnedBallastBytes']") == 3 * GIB);
        JsonNode ledger = RestApi.ok(reservation.get("/ledger?limit=100&disk=" + ROOMY_DISK));
        assertThat(ledger.get("lines").size()).isGreaterThan(ledgerLines);
        await().atMost(PAGE_WAIT)
                .until(() ->
                        pages.count("#ledger tbody tr") >= ledger.get("lines").size());
        // the simulated agent applies the pinned ballast: reservation-service counts it applied
        await().atMost(PAGE_WAIT).untilAsserted(() -> assertThat(RestApi.ok(reservation.get("/disks/" + ROOMY_DISK))
                        .get("ballasts")
                        .get(0)
                        .get("appliedBytes")
                        .asLong())
                .isEqualTo(3 * GIB));
        // a pinned disk's budget is the pin's: growth is refused outright, saying why, and nothing changes
        pages.type("growth-bytes", "1 GiB");
        pages.click("growth");
        await().atMost(PAGE_WAIT).until(() -> !pages.text("#growth-result").isEmpty());
        assertThat(pages.text("#growth-result")).contains("(409)").contains("pinned");
        assertThat(RestApi.ok(reservation.get("/disks/" + ROOMY_DISK))
                        .get("budgetBytes")
                        .asLong())
                .isEqualTo(designated - 3 * GIB);
        pages.screenshot("disk-pinned");
    }

    /**
     * A dry run of a resize by profile for the shut-off vm-00010, started on the jobs page: inventory sends a scan
     * first, the real worker reads the image's real ext4 and inventory plans on it; the page, never reloaded, follows
     * the scan and the resize to their end and shows what the REST API answers about both.
     */
    @Test
    @Order(12)
    void anOperatorPlansAResizeOnTheJobsPageAndWatchesTheRealWorkerLive() throws Exception {
        ConsolePages pages = pages();
        pages.show("/jobs");
        pages.choose("resize-vm", SHUT_OFF_VM);
        pages.type("resize-targets", "1=nine");
        pages.click("dry-run");
        assertThat(pages.text("#resize-result")).contains("'nine' is not a size");
        pages.type("resize-targets", "");
        Object marker = pages.timeOrigin();
        pages.click("dry-run");
        await().atMost(PAGE_WAIT).until(() -> pages.text("#resize-result").contains("Dry run"));
        String jobId = pages.attribute("#resize-result [data-job]", "data-job");
        assertThat(pages.text("#resize-result")).contains(jobId).contains("WAITING_FOR_SCAN");
        JsonNode job = RestApi.ok(inventory.get("/resize-jobs/" + jobId));
        assertThat(job.get("vmId").asText()).isEqualTo(SHUT_OFF_VM);
        assertThat(job.get("dryRun").asBoolean()).isTrue();
        assertThat(job.get("byProfile").asBoolean()).isTrue();
        String scanJobId = job.get("scanJobId").asText();
        assertThat(scanJobId).as("a scan of the disk goes first: %s", job).isNotBlank();

        // the page reads the jobs again every two seconds: it follows both jobs as the worker moves them on
        String resizeRow = "#jobs tr[data-job='" + jobId + "']";
        String scanRow = "#jobs tr[data-job='" + scanJobId + "']";
        List<String> resizeStates = new ArrayList<>();
        List<String> scanStates = new ArrayList<>();
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    seen(resizeStates, pages.attribute(resizeRow, "data-state"));
                    seen(scanStates, pages.attribute(scanRow, "data-state"));
                    return ENDED.contains(last(resizeStates));
                });
        System.out.printf("the jobs page showed the scan %s and the dry run %s%n", scanStates, resizeStates);
        assertThat(pages.timeOrigin()).as("the same page, not reloaded").isEqualTo(marker);
        assertThat(resizeStates.getFirst()).isEqualTo("WAITING_FOR_SCAN");
        assertThat(resizeStates)
                .as("the dry run's states, as the page showed them")
                .hasSizeGreaterThan(1);

        JsonNode scan = RestApi.ok(inventory.get("/resize-jobs/" + scanJobId));
        JsonNode resize = RestApi.ok(inventory.get("/resize-jobs/" + jobId));
        assertThat(scan.get("state").asText())
                .as("the real worker's scan: %s", scan)
                .isEqualTo("FINISHED");
        await().atMost(PAGE_WAIT).untilAsserted(() -> assertThat(pages.attribute(scanRow, "data-state"))
                .isEqualTo("FINISHED"));
        assertThat(pages.attributes(scanRow + " [data-field='steps'] li", "data-step"))
                .as("the scan's steps on the page")
                .isEqualTo(stepsOf(scan))
                .isNotEmpty();
        assertThat(last(resizeStates)).isEqualTo(resize.get("state").asText());
        assertThat(pages.attributes(resizeRow + " [data-field='steps'] li", "data-step"))
                .as("the dry run's steps on the page")
                .isEqualTo(stepsOf(resize));
        if (resize.get("state").asText().equals("FINISHED")) {
            assertThat(pages.bytesIn(resizeRow + " [data-field='projectedSavingsBytes']"))
                    .as("the dry run's plan: %s", resize)
                    .isEqualTo(resize.get("projectedSavingsBytes").asLong());
        } else {
            assertThat(resize.get("state").asText())
                    .as("the dry run: %s", resize)
                    .isEqualTo("FAILED");
            assertThat(pages.text(resizeRow + " [data-field='steps']"))
                    .as("why the planner refused, as inventory answers it")
                    .contains(resize.get("failure").asText());
        }
        pages.screenshot("jobs");
    }

    // ---- Prometheus with deploy/prometheus's rules against this stack ----------------------------------------------

    /**
     * The real Prometheus (the Debian package's {@code prometheus}, which {@code .ci/checks/prometheus.sh} installs)
     * runs {@code deploy/prometheus}'s configuration and rules against this stack: it scrapes all four services, every
     * rule evaluates without error on what they really expose, and host-001's first datastore, whose guests grow until
     * it would overflow, has {@code BallastDatastoreHeadroomLow} firing in Prometheus's own {@code /api/v1/alerts}.
     *
     * <p>Two things differ from the files as deployed, and only these: the configuration's scrape and evaluation
     * intervals are 2 s instead of 15 s, and every {@code for:} of the rules (minutes, as production wants them) is
     * rewritten to {@value #PROMETHEUS_FOR} in the test's copy, so an alert fires seconds after its condition holds.
     * Expressions, thresholds, labels and job names are the deployed ones.
     */
    @Test
    @Order(13)
    void theRealPrometheusScrapesEveryServiceAndFiresTheHotDatastoresHeadroomAlert(@TempDir Path directory)
            throws Exception {
        SystemPrerequisites.requireTools("prometheus");
        Path deployed = ROOT.resolve("deploy/prometheus");
        String configuration = Files.readString(deployed.resolve("prometheus.yml"));
        String testConfiguration = configuration
                .replace("scrape_interval: 15s", "scrape_interval: 2s")
                .replace("evaluation_interval: 15s", "evaluation_interval: 2s");
        assertThat(testConfiguration)
                .as("the deployed configuration's intervals, rewritten to 2 s")
                .contains("scrape_interval: 2s", "evaluation_interval: 2s")
                .doesNotContain("15s");
        String rules = Files.readString(deployed.resolve("ballast-rules.yml"));
        Matcher durations = Pattern.compile("(?m)^( +)for: \\S+$").matcher(rules);
        String testRules = durations.replaceAll("$1for: " + PROMETHEUS_FOR);
        assertThat(durations.reset().results().count())
                .as("the rules' for: durations, each rewritten")
                .isPositive()
                .isEqualTo(Pattern.compile("(?m)^ +for: " + PROMETHEUS_FOR + "$")
                        .matcher(testRules)
                        .results()
                        .count());
        // the configuration loads ballast-rules.yml from its own directory: the test's copy
        Files.writeString(directory.resolve("prometheus.yml"), testConfiguration);
        Files.writeString(directory.resolve("ballast-rules.yml"), testRules);

        int port = Program.freePort();
        URI api = URI.create("http://127.0.0.1:" + port + "/api/v1/");
        long begun = System.nanoTime();
        try (LaunchedProgram prometheus = Launcher.start(Launch.of(
                        "prometheus",
                        List.of(
                                "prometheus",
                                "--config.file=" + directory.resolve("prometheus.yml"),
                                "--storage.tsdb.path=" + directory.resolve("data"),
                                "--web.listen-address=127.0.0.1:" + port))
                .withDirectory(directory)
                .withOutput(new Output.LogFile(PROMETHEUS_LOG)))) {
            assertThat(prometheus.awaitReady(
                            new Readiness.HttpOk(URI.create("http://127.0.0.1:" + port + "/-/ready")),
                            Duration.ofSeconds(60)))
                    .as("Prometheus ready; its log: %s", PROMETHEUS_LOG)
                    .isEqualTo(new Startup.Ready());

            // every service scraped, each as its job
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        Map<String, String> health = new java.util.TreeMap<>();
                        prometheusApi(api, "targets")
                                .get("activeTargets")
                                .forEach(target -> health.put(
                                        target.get("labels").get("job").asText()
                                                + " "
                                                + target.get("scrapeUrl").asText(),
                                        target.get("health").asText()
                                                + " "
                                                + target.get("lastError").asText()));
                        assertThat(health)
                                .as("Prometheus's targets")
                                .containsOnly(
                                        Map.entry("inventory-service http://localhost:8081/q/metrics", "up "),
                                        Map.entry("reservation-service http://localhost:8082/q/metrics", "up "),
                                        Map.entry("guest-gateway http://localhost:8083/q/metrics", "up "),
                                        Map.entry("resize-worker http://localhost:8084/q/metrics", "up "));
                    });
            System.out.printf("Prometheus scraped all four services %.1f s after it started%n", seconds(begun));

            // the hot datastore's headroom alert, firing
            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(alerts(api))
                            .as("Prometheus's alerts")
                            .contains("BallastDatastoreHeadroomLow " + FIRST_DATASTORE + " firing"));
            System.out.printf(
                    "BallastDatastoreHeadroomLow fired for the first datastore %.1f s after Prometheus started;"
                            + " its headroom: %s of its limit; alerts: %s%n",
                    seconds(begun),
                    prometheusApi(
                                    api,
                                    "query?query="
                                            + URLEncoder.encode(
                                                    "datastore:ballast_datastore_headroom:ratio{datastore=\""
                                                            + FIRST_DATASTORE + "\"}",
                                                    StandardCharsets.UTF_8))
                            .get("result"),
                    alerts(api));

            // every rule evaluated on the real series without an error
            List<String> rulesSeen = new ArrayList<>();
            prometheusApi(api, "rules").get("groups").forEach(group -> group.get("rules")
                    .forEach(rule -> rulesSeen.add(
                            rule.get("name").asText() + " " + rule.get("health").asText()
                                    + (rule.hasNonNull("lastError")
                                            ? " " + rule.get("lastError").asText()
                                            : ""))));
            assertThat(rulesSeen)
                    .as("the rules as Prometheus evaluates them")
                    .hasSize((int) Pattern.compile("(?m)^ +- (record|alert): ")
                            .matcher(rules)
                            .results()
                            .count())
                    .allMatch(rule -> rule.endsWith(" ok"));

            assertGrafanaDashboardQueriesThisStack(api);
        }
    }

    /**
     * deploy/grafana's dashboard against this stack and this Prometheus: every metric its queries select (a recording
     * rule's through the rule's own query) is served at some service's {@code /q/metrics}, and every query, with the
     * dashboard's variables as Grafana fills them in, evaluates in Prometheus; the queries that answer with no
     * series at all are only the ones that wait for something this stack has not done (named below).
     */
    private static void assertGrafanaDashboardQueriesThisStack(URI api) throws Exception {
        GrafanaDashboard dashboard = GrafanaDashboard.read(ROOT.resolve("deploy/grafana/ballast-dashboard.json"));
        assertThat(dashboard.variables()).containsExactly("datasource", "datastore");
        Set<String> served = new java.util.TreeSet<>();
        for (int port : SERVICE_PORTS) {
            Program.metrics(port).samples().forEach(sample -> served.add(sample.name()));
        }
        Map<String, String> recorded = new java.util.HashMap<>();
        prometheusApi(api, "rules").get("groups").forEach(group -> group.get("rules")
                .forEach(rule -> {
                    if (rule.get("type").asText().equals("recording")) {
                        recorded.put(
                                rule.get("name").asText(), rule.get("query").asText());
                    }
                }));
        // the datastore variable's values, as Grafana's label_values asks Prometheus for them
        List<String> datastores = new ArrayList<>();
        prometheusApi(
                        api,
                        "label/datastore/values?match[]="
                                + URLEncoder.encode("ballast_datastore_limit_bytes", StandardCharsets.UTF_8))
                .forEach(value -> datastores.add(value.asText()));
        assertThat(datastores).contains(FIRST_DATASTORE, ROOMY_DATASTORE);

        List<String> unserved = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (GrafanaDashboard.Query query : dashboard.queries()) {
            Set<String> names = GrafanaDashboard.metricNames(query.expr());
            assertThat(names).as("the metrics of %s", query).isNotEmpty();
            GrafanaDashboard.underlyingMetrics(names, recorded).stream()
                    .filter(metric -> !served.contains(metric))
                    .forEach(metric -> unserved.add(query.panel() + " " + query.refId() + ": " + metric));
            // Grafana sends one datastore in a repeated panel and the chosen ones as a regex elsewhere
            String expr = GrafanaDashboard.expand(query.expr(), "1m", Map.of("datastore", FIRST_DATASTORE));
            JsonNode answer = prometheusApi(api, "query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
            if (answer.get("result").isEmpty()) {
                empty.add(query.panel() + " " + query.refId());
            }
        }
        assertThat(unserved)
                .as(
                        "metrics the dashboard's queries select that no service serves (Ballast's served: %s)",
                        served.stream()
                                .filter(name -> name.startsWith("ballast_"))
                                .toList())
                .isEmpty();
        System.out.printf(
                "the Grafana dashboard's %d queries evaluate in Prometheus; with no series yet: %s%n",
                dashboard.queries().size(), empty);
        assertThat(empty)
                .as("queries with no series: only what waits for a resize or a profile's savings")
                .isSubsetOf("Projected savings by profile A");
    }

    /** Last: SIGTERM stops every program, closes every port and releases the real guest's mount and loop device. */
    @Test
    @Order(100)
    void sigtermStopsEverythingAndReleasesTheRealGuest() throws Exception {
        int kafkaPort = port(up.output(), "^  Kafka +localhost:(\\d+)$");
        int postgresPort = port(up.output(), "^  PostgreSQL +jdbc:postgresql://localhost:(\\d+)/ballast$");
        assertThat(ROOT.resolve(".ballast/run/infra.env")).exists();
        assertThat(mounted(REAL_GUEST_MOUNT))
                .as("the real guest's filesystem while the stack runs")
                .isTrue();

        // SIGTERM, as a service manager sends it and as Ctrl-C ends in.
        up.terminate();
        assertThat(up.awaitExit(Duration.ofSeconds(90)))
                .as("stopped within 90 s with exit code 0")
                .hasValue(0);
        assertThat(up.output()).contains("ballast: stopped");
        List<ProcessHandle> all = descendants;
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                        all.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::info))
                .isEmpty());
        for (int port : List.of(8081, 8082, 8083, 8084, 8443, kafkaPort, postgresPort)) {
            assertThat(LocalStackRefusalsTest.accepts(port))
                    .as("port %d closed", port)
                    .isFalse();
        }
        assertThat(ROOT.resolve(".ballast/run/infra.env")).doesNotExist();
        assertThat(mounted(REAL_GUEST_MOUNT))
                .as("the real guest's filesystem after the stop")
                .isFalse();
        assertThat(Commands.run("losetup", "-j", REAL_GUEST_IMAGE.toString()))
                .as("loop devices of the real guest's image")
                .isBlank();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    /**
     * The stack makes the real guest once and keeps it from one run to the next; this test starts from a new one, so
     * that its first reclaim has the blocks of the guest's earlier files to free. What a killed run left attached is
     * released first, by the fleet's own command.
     */
    private static void freshRealGuest() throws Exception {
        if (Files.exists(REAL_GUEST_IMAGE)) {
            Commands.run(Program.CHECKOUT
                    .simulatedFleet(List.of(
                            "--dir",
                            FLEET.toString(),
                            "--certs",
                            ROOT.resolve(".ballast/certs").toString(),
                            "--release-real-guest"))
                    .toArray(String[]::new));
            assertThat(mounted(REAL_GUEST_MOUNT))
                    .as("the real guest's filesystem, released")
                    .isFalse();
            Files.delete(REAL_GUEST_IMAGE);
        }
        if (Files.exists(REAL_GUEST_MOUNT.getParent())) {
            assertThat(mounted(REAL_GUEST_MOUNT)).isFalse();
            Directories.deleteTree(REAL_GUEST_MOUNT.getParent());
        }
    }

    /** The bytes a file holds on this machine's disk ({@code st_blocks}). */
    private static long backedBytes(Path file) {
        String[] blocks = Commands.run("stat", "--format", "%b %B", file.toString())
                .strip()
                .split(" ");
        return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
    }

    private static boolean mounted(Path mount) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(line -> line.split(" "))
                .anyMatch(fields -> fields.length > 1 && fields[1].equals(mount.toString()));
    }

    /**
     * The stack made its token key pair (the private half for its owner only), gave every service the public half,
     * and {@code ./ballast token} prints one token signed with it.
     */
    private static void assertServicesVerifyTokensOfTheStacksKey() throws Exception {
        Path keys = ROOT.resolve(".ballast/jwt");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("private.pem"))))
                .isEqualTo("rw-------");
        List<ProcessHandle> services = descendants.stream()
                .filter(process -> process.info().commandLine().orElse("").contains("quarkus-run.jar"))
                .toList();
        assertThat(services).hasSize(SERVICE_PORTS.size());
        for (ProcessHandle service : services) {
            String environment = new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(service.pid()), "environ")),
                    StandardCharsets.UTF_8);
            assertThat(environment.split("\0"))
                    .as("environment of %s", service.info().commandLine().orElse(""))
                    .contains("BALLAST_JWT_PUBLIC_KEY=" + keys.resolve("public.pem"));
        }
        try (LaunchedProgram token =
                LocalStackRefusalsTest.ballast(Map.of(), "token", "--role", "operator", "--ttl", "5m")) {
            assertThat(token.awaitExit(Duration.ofSeconds(60))).hasValue(0);
            assertThat(token.output()).singleElement().asString().matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
        }
        HttpResponse<String> withTheStacksToken = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:8081/api/v1/hosts?limit=1"))
                                .header("Authorization", "Bearer " + tokens.get(Roles.VIEWER))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(withTheStacksToken.statusCode()).isEqualTo(200);
        HttpResponse<String> withAnotherKeysToken = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:8081/api/v1/hosts?limit=1"))
                                .header("Authorization", Tokens.foreignBearer(Roles.VIEWER))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(withAnotherKeysToken.statusCode()).isEqualTo(401);
    }

    /** A token of the stack's own key, as {@code ./ballast token} prints it. */
    private static String stackToken(String role) throws Exception {
        try (LaunchedProgram token =
                LocalStackRefusalsTest.ballast(Map.of(), "token", "--role", role, "--ttl", "15m")) {
            assertThat(token.awaitExit(Duration.ofSeconds(60))).hasValue(0);
            return token.output().getFirst().strip();
        }
    }

    /** The browser, opened by the first console test (skipped, or failed with CI=true, without chromium). */
    private static ConsolePages pages() throws Exception {
        if (pages == null) {
            pages = ConsolePages.open("http://127.0.0.1:8081/console", downloads);
        }
        return pages;
    }

    private static Map<String, String> datastoreNames() {
        if (datastoreNames == null) {
            Map<String, String> names = new java.util.HashMap<>();
            RestApi.ok(inventory.get("/datastores?limit=100"))
                    .get("datastores")
                    .forEach(datastore -> names.put(
                            datastore.get("id").asText(), datastore.get("name").asText()));
            datastoreNames = Map.copyOf(names);
        }
        return datastoreNames;
    }

    private static Map<String, String> vmNames() {
        Map<String, String> names = new java.util.HashMap<>();
        RestApi.ok(inventory.get("/vms?limit=100"))
                .get("vms")
                .forEach(vm -> names.put(vm.get("id").asText(), vm.get("name").asText()));
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(element -> texts.add(element.asText()));
        return texts;
    }

    private static List<String> stepsOf(JsonNode job) {
        List<String> steps = new ArrayList<>();
        job.get("steps").forEach(step -> steps.add(step.get("step").asText()));
        return steps;
    }

    /** Adds {@code state} to the states seen unless it is the last one seen (or nothing). */
    private static void seen(List<String> states, String state) {
        if (state != null && (states.isEmpty() || !last(states).equals(state))) {
            states.add(state);
        }
    }

    private static String last(List<String> states) {
        return states.isEmpty() ? "" : states.getLast();
    }

    /** The CSV report as the API answers it to the stack's viewer, line by line. */
    private static List<String> csvAsTheApiAnswers(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:8081" + path))
                                .header("Authorization", "Bearer " + tokens.get(Roles.VIEWER))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body().lines().toList();
    }

    /** The {@code data} of a Prometheus HTTP API answer to {@code GET path}, which must be a success. */
    private static JsonNode prometheusApi(URI api, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(api.resolve(path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode())
                .as("GET %s: %s", path, response.body())
                .isEqualTo(200);
        JsonNode answer = RestApi.JSON.readTree(response.body());
        assertThat(answer.get("status").asText()).isEqualTo("success");
        return answer.get("data");
    }

    /** Prometheus's alerts, each as "name datastore state" (the datastore empty for alerts about none). */
    private static List<String> alerts(URI api) throws Exception {
        List<String> alerts = new ArrayList<>();
        prometheusApi(api, "alerts")
                .get("alerts")
                .forEach(
                        alert -> alerts.add(alert.get("labels").get("alertname").asText()
                                + " "
                                + alert.get("labels").path("datastore").asText()
                                + " "
                                + alert.get("state").asText()));
        return alerts;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static int port(List<String> output, String regex) {
        Pattern pattern = Pattern.compile(regex);
        for (String line : output) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.matches()) {
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new AssertionError("no line matching " + regex + " in:\n" + String.join("\n", output));
    }
}
