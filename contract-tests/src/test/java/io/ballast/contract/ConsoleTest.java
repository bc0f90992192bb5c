package io.ballast.contract;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Postgres;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.SystemPrerequisites;
import io.ballast.testsupport.Tokens;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The operator console ({@code /console} on inventory-service) in a real headless Chromium, driven through Selenium
 * and Debian's chromedriver, against the packaged inventory-service and reservation-service on the real broker and
 * PostgreSQL. A libvirt test host with two pools: {@value #POOL_FAST} holds four 10 GiB disks, {@value #POOL_BULK}
 * two 20 GiB ones whose guests use so much that, with the reserve an operator set, their minimums do not fit there.
 * Guests' usage comes over the bus as the gateway publishes it. Every page is checked against what the REST APIs
 * answer, byte for byte, an operator pins a ballast and plans a resize through the pages (a viewer is refused), and a
 * screenshot of each page is kept in {@code target/console-screenshots}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTest {

    private static final Duration WAIT = Fleet.WAIT;
    private static final Duration PAGE_WAIT = Duration.ofSeconds(30);
    private static final String POOL_FAST = "5c000000-0000-0000-0000-00000000000a";
    private static final String POOL_BULK = "5c000000-0000-0000-0000-00000000000b";
    private static final int FAST_VMS = 4;
    private static final int BULK_VMS = 2;
    private static final Path SCREENSHOTS = Program.ROOT.resolve("contract-tests/target/console-screenshots");

    /** Kept when a test fails: the services' logs are in it. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path shared;

    private static Fleet fleet;
    private static RestApi inventory;
    private static RestApi reservation;
    private static ChromeDriver browser;
    private static Path downloads;
    private static String console;

    @BeforeAll
    static void fleetAndBrowser() throws Exception {
        SystemPrerequisites.requireTools("chromium", "chromedriver");
        fleet = new Fleet(shared, 0);
        Fleet.Reservation reservationService =
                fleet.reservationService(Postgres.shared().freshDatabase("reservation"));
        reservation = new RestApi(reservationService.httpPort());
        Fleet.Inventory inventoryService =
                fleet.inventoryService(Postgres.shared().freshDatabase("inventory"), host(), reservationService);
        inventory = new RestApi(inventoryService.httpPort());
        console = "http://127.0.0.1:" + inventoryService.httpPort() + "/console";
        RestApi.ok(inventory.send("POST", "/discovery/refresh", Roles.OPERATOR, RestApi.JSON.createObjectNode()));
        for (int i = 1; i <= FAST_VMS + BULK_VMS; i++) {
            String diskId = vm(i) + "-vda";
            await().atMost(WAIT).until(() -> reservation.get("/disks/" + diskId), answer -> answer.status() == 200);
        }
        // the guests report their usage as the gateway publishes it, three reports each, growing
        for (int report = 0; report < 3; report++) {
            for (int i = 1; i <= FAST_VMS + BULK_VMS; i++) {
                long used = i <= FAST_VMS ? (i + report) * GIB / 2 : (15 + report) * GIB;
                fleet.publish(Topic.GUEST_TELEMETRY, vm(i), usage(i, used));
            }
        }
        for (int i = 1; i <= FAST_VMS + BULK_VMS; i++) {
            String id = vm(i);
            long used = i <= FAST_VMS ? (i + 2) * GIB / 2 : 17 * GIB;
            await().atMost(WAIT)
                    .until(
                            () -> reservation.get("/disks/" + id + "-vda"),
                            answer -> answer.status() == 200
                                    && answer.body().get("utilizedBytes").asLong() == used);
            await().atMost(WAIT)
                    .until(
                            () -> RestApi.ok(inventory.get("/vms/" + id)).get("filesystems"),
                            filesystems -> filesystems.size() == 1
                                    && filesystems.get(0).get("utilizedBytes").asLong() == used);
        }
        // the bulk pool keeps all but 20 GiB in reserve: its guests' minimums do not fit, a migration is recommended
        RestApi.ok(reservation.send(
                "PUT",
                "/datastores/" + POOL_BULK + "/policy",
                Roles.OPERATOR,
                RestApi.JSON.createObjectNode().put("mode", "strict").put("reserveBytes", 80 * GIB)));
        await().atMost(WAIT)
                .until(
                        () -> RestApi.ok(reservation.get("/datastores/" + POOL_BULK)),
                        datastore -> datastore.get("alerts").toString().contains("MINIMUMS_UNMET")
                                && datastore.hasNonNull("recommendation"));

        Files.createDirectories(SCREENSHOTS);
        downloads = Files.createDirectories(shared.resolve("downloads"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1440,1000",
                "--lang=en-GB");
        options.setExperimentalOption(
                "prefs",
                Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void aViewerSignsInWithATokenAndSomethingThatIsNoTokenIsRefusedSayingWhy() throws Exception {
        browser.get(console + "/sign-in");
        loaded();
        signIn("not a token");
        assertThat(text("#problems")).contains("this is not a bearer token");
        assertThat(browser.getCurrentUrl()).endsWith("/console/sign-in");
        signIn(Tokens.foreignBearer(Roles.VIEWER).substring("Bearer ".length()));
        await().atMost(PAGE_WAIT).until(() -> text("#problems").contains("(401)"));
        assertThat(text("#problems")).contains("not signed for this stack");

        screenshot("sign-in");
        signIn(Tokens.token(Roles.VIEWER));
        await().atMost(PAGE_WAIT).until(() -> browser.getCurrentUrl().endsWith("/console"));
        loaded();
        assertThat(browser.findElement(By.cssSelector("#who [data-roles]")).getAttribute("data-roles"))
                .isEqualTo("viewer");
    }

    @Test
    @Order(2)
    void theFleetOverviewShowsEachDatastoreAsReservationServiceCountsIt() throws Exception {
        JsonNode datastores = matching(console, () -> RestApi.ok(reservation.get("/datastores")), answer -> {
            JsonNode list = answer.get("datastores");
            assertThat(list).hasSize(2);
            for (JsonNode datastore : list) {
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
                    assertThat(bytesIn(row + "[data-field='" + field + "']"))
                            .as("%s of %s", field, datastore.get("id").asText())
                            .isEqualTo(datastore.get(field).asLong());
                }
                assertThat(text(row + "[data-field='disks']"))
                        .isEqualTo(datastore.get("disks").asText());
                assertThat(text(row + "[data-field='alerts']"))
                        .contains(
                                datastore.get("alerts").isEmpty()
                                        ? ""
                                        : datastore.get("alerts").get(0).asText());
            }
        });
        assertThat(browser.findElements(By.cssSelector("#capacity-chart svg g[data-datastore]")))
                .hasSize(datastores.get("datastores").size());
        assertThat(browser.findElements(By.cssSelector("#datastores tbody tr"))).hasSize(2);
        assertThat(text("#datastores tr[data-datastore='" + POOL_FAST + "'] [data-field='name']"))
                .isEqualTo("pool-fast");
        // bytes are shown human-readable, with the exact figure at hand
        WebElement capacity = browser.findElement(By.cssSelector(
                "#datastores tr[data-datastore='" + POOL_FAST + "'] [data-field='capacityBytes'] .bytes"));
        assertThat(capacity.getText()).isEqualTo("100.0 GiB");
        assertThat(capacity.getAttribute("title")).isEqualTo("107,374,182,400 bytes");
        screenshot("fleet");
    }

    @Test
    @Order(3)
    void aDatastoresPageShowsItsDisksWithTheirBudgetsAndBallasts() throws Exception {
        matching(
                console + "/datastores/" + POOL_FAST,
                () -> RestApi.ok(reservation.get("/datastores/" + POOL_FAST + "/disks")),
                answer -> {
                    assertThat(answer.get("disks")).hasSize(FAST_VMS);
                    assertThat(browser.findElements(By.cssSelector("#disks tbody tr")))
                            .hasSize(FAST_VMS);
                    for (JsonNode disk : answer.get("disks")) {
                        String row = "#disks tr[data-disk='" + disk.get("id").asText() + "'] ";
                        for (String field : List.of(
                                "designatedBytes",
                                "budgetBytes",
                                "effectiveBytes",
                                "utilizedBytes",
                                "minimumBudgetBytes",
                                "unreclaimedBytes")) {
                            assertThat(bytesIn(row + "[data-field='" + field + "']"))
                                    .as("%s of %s", field, disk.get("id").asText())
                                    .isEqualTo(disk.get(field).asLong());
                        }
                        long ballast = 0;
                        for (JsonNode slot : disk.get("ballasts")) {
                            ballast += slot.get("appliedBytes").asLong();
                        }
                        assertThat(bytesIn(row + "[data-field='ballastBytes']")).isEqualTo(ballast);
                        assertThat(text(row + "[data-field='state']"))
                                .isEqualTo(disk.get("state").asText());
                        assertThat(text(row + "[data-field='vm']")).startsWith("vm-");
                    }
                });
        assertThat(text("h1")).isEqualTo("Datastore pool-fast");
        assertThat(browser.findElements(By.cssSelector("#disk-chart svg g[data-disk]")))
                .hasSize(FAST_VMS);
        screenshot("datastore");
    }

    @Test
    @Order(4)
    void theVmReportShowsGuestUsageNextToHostAllocationAndDownloadsAsCsv() throws Exception {
        JsonNode report =
                matching(console + "/vms", () -> RestApi.ok(inventory.get("/reports/vms?limit=1000")), answer -> {
                    assertThat(browser.findElements(By.cssSelector("#report tbody tr")))
                            .hasSize(answer.get("rows").size());
                    for (JsonNode row : answer.get("rows")) {
                        String tr = "#report tr[data-disk='" + row.get("diskId").asText() + "'] ";
                        for (String field :
                                List.of("designatedBytes", "totalBytes", "usedBytes", "ballastBytes", "backedBytes")) {
                            assertThat(bytesIn(tr + "[data-field='" + field + "']"))
                                    .as("%s of %s", field, row.get("diskId").asText())
                                    .isEqualTo(row.get(field).asLong());
                        }
                        assertThat(text(tr + "[data-field='vmName']"))
                                .isEqualTo(row.get("vmName").asText());
                        assertThat(text(tr + "[data-field='alignment']"))
                                .isEqualTo(row.get("alignment").asText());
                    }
                });
        assertThat(report.get("rows")).hasSize(FAST_VMS + BULK_VMS);
        JsonNode savings = RestApi.ok(inventory.get("/reports/savings"));
        assertThat(bytesIn("#savings [data-field='projectedBytes']"))
                .isEqualTo(savings.get("projectedBytes").asLong());
        screenshot("vm-report");

        browser.findElement(By.id("csv")).click();
        Path csv = downloads.resolve("ballast-vm-report.csv");
        await().atMost(PAGE_WAIT).until(() -> Files.exists(csv) && Files.size(csv) > 0);
        assertThat(Files.readString(csv)).isEqualTo(csvAsTheApiAnswers("/api/v1/reports/vms?format=csv&limit=1000"));
    }

    @Test
    @Order(5)
    void alertsAndMigrationRecommendationsAreThoseReservationServiceRaised() throws Exception {
        JsonNode bulk =
                matching(console + "/alerts", () -> RestApi.ok(reservation.get("/datastores/" + POOL_BULK)), answer -> {
                    Set<String> shown = new TreeSet<>();
                    for (WebElement row :
                            browser.findElements(By.cssSelector("#alerts tr[data-datastore='" + POOL_BULK + "']"))) {
                        shown.add(row.getAttribute("data-alert"));
                    }
                    Set<String> raised = new TreeSet<>();
                    answer.get("alerts")
                            .forEach(alert -> raised.add(alert.asText().split("/")[0]));
                    if (!answer.get("invariantHolds").asBoolean()) {
                        raised.add("INVARIANT_VIOLATED");
                    }
                    assertThat(shown).isEqualTo(raised);
                    JsonNode recommendation = answer.get("recommendation");
                    String row = "#recommendations tr[data-datastore='" + POOL_BULK + "'] ";
                    assertThat(browser.findElement(By.cssSelector(row + "[data-vm]"))
                                    .getAttribute("data-vm"))
                            .isEqualTo(recommendation.get("vmId").asText());
                    assertThat(text(row + "[data-field='vmId']")).startsWith("vm-");
                    assertThat(text(row + "[data-field='toDatastoreId']")).isEqualTo("pool-fast");
                    assertThat(bytesIn(row + "[data-field='bytesToMove']"))
                            .isEqualTo(recommendation.get("bytesToMove").asLong());
                    assertThat(bytesIn(row + "[data-field='demandFreedBytes']"))
                            .isEqualTo(recommendation.get("demandFreedBytes").asLong());
                });
        assertThat(bulk.get("alerts").toString()).contains("MINIMUMS_UNMET");
        assertThat(browser.findElements(By.cssSelector("#recommendations tr[data-datastore='" + POOL_FAST + "']")))
                .as("the fast pool's minimums fit")
                .isEmpty();
        screenshot("alerts");
    }

    @Test
    @Order(6)
    void aDisksPageShowsItsUsageForecastAndLedger() throws Exception {
        String diskId = vm(1) + "-vda";
        matching(
                console + "/disks/" + diskId,
                () -> RestApi.ok(reservation.get("/ledger?limit=100&disk=" + diskId)),
                answer -> {
                    assertThat(answer.get("lines")).isNotEmpty();
                    List<String> shown = new ArrayList<>();
                    for (WebElement line : browser.findElements(By.cssSelector("#ledger tbody tr"))) {
                        shown.add(line.getAttribute("data-line"));
                    }
                    List<String> lines = new ArrayList<>();
                    answer.get("lines").forEach(line -> lines.add(line.get("id").asText()));
                    assertThat(shown).isEqualTo(lines);
                    JsonNode newest = answer.get("lines").get(0);
                    String row = "#ledger tr[data-line='" + newest.get("id").asText() + "'] ";
                    assertThat(bytesIn(row + "[data-field='afterBytes']"))
                            .isEqualTo(newest.get("afterBytes").asLong());
                    assertThat(text(row + "[data-field='reason']"))
                            .isEqualTo(newest.get("reason").asText());
                    JsonNode budget = RestApi.ok(reservation.get("/disks/" + diskId));
                    assertThat(bytesIn("#disk-summary [data-field='budgetBytes']"))
                            .isEqualTo(budget.get("budgetBytes").asLong());
                });
        JsonNode usage = RestApi.ok(inventory.get("/vms/" + vm(1) + "/usage?mountPoint=/"));
        List<Long> points = new ArrayList<>();
        usage.get("points")
                .forEach(point -> points.add(point.get("utilizedBytes").asLong()));
        List<Long> drawn = new ArrayList<>();
        for (WebElement point : browser.findElements(By.cssSelector("#usage-chart circle[data-point]"))) {
            drawn.add(Long.parseLong(point.getAttribute("data-point")));
        }
        assertThat(drawn).containsExactlyInAnyOrderElementsOf(points);
        assertThat(points).contains(GIB / 2, GIB, 3 * GIB / 2);
        JsonNode disk = RestApi.ok(inventory.get("/disks/" + diskId));
        assertThat(bytesIn("#disk-summary [data-field='backedBytes']"))
                .isEqualTo(disk.get("backedBytes").asLong());
        assertThat(browser.findElements(By.cssSelector("#usage-chart [data-line='budget']")))
                .hasSize(1);
        screenshot("disk");
    }

    @Test
    @Order(7)
    void aViewerWhoTriesToPinABallastIsToldWhyAndNothingChanges() throws Exception {
        String diskId = vm(2) + "-vda";
        browser.get(console + "/disks/" + diskId);
        loaded();
        assertThat(text("#role-note")).contains("(viewer)").contains("will refuse");
        type("override-bytes", "3 GiB");
        browser.findElement(By.id("override")).click();
        await().atMost(PAGE_WAIT).until(() -> !text("#override-result").isEmpty());
        assertThat(text("#override-result")).contains("refused (403)").contains("roles (viewer)");
        JsonNode pinned = RestApi.ok(reservation.get("/disks/" + diskId)).path("pinnedBallastBytes");
        assertThat(pinned.isMissingNode() || pinned.isNull())
                .as("no ballast pinned: %s", pinned)
                .isTrue();
    }

    @Test
    @Order(8)
    void anOperatorPinsABallastOnADisksPage() throws Exception {
        String diskId = vm(2) + "-vda";
        browser.get(console + "/sign-in?next=/console/disks/" + diskId);
        loaded();
        signIn(Tokens.token(Roles.OPERATOR));
        await().atMost(PAGE_WAIT).until(() -> browser.getCurrentUrl().endsWith("/console/disks/" + diskId));
        loaded();
        int ledgerLines = RestApi.ok(reservation.get("/ledger?limit=100&disk=" + diskId))
                .get("lines")
                .size();

        type("override-bytes", "three gigs");
        browser.findElement(By.id("override")).click();
        assertThat(text("#override-result")).contains("'three gigs' is not a size");

        type("override-bytes", "3 GiB");
        browser.findElement(By.id("override")).click();
        await().atMost(PAGE_WAIT).until(() -> text("#override-result").contains("Ballast pinned at"));
        assertThat(bytesIn("#override-result")).isEqualTo(3 * GIB);
        JsonNode pinned = RestApi.ok(reservation.get("/disks/" + diskId));
        assertThat(pinned.get("pinnedBallastBytes").asLong()).isEqualTo(3 * GIB);
        assertThat(pinned.get("budgetBytes").asLong()).isEqualTo(7 * GIB);
        await().atMost(PAGE_WAIT).until(() -> bytesIn("#disk-summary [data-field='pinnedBallastBytes']") == 3 * GIB);
        JsonNode ledger = RestApi.ok(reservation.get("/ledger?limit=100&disk=" + diskId));
        assertThat(ledger.get("lines").size()).isGreaterThan(ledgerLines);
        await().atMost(PAGE_WAIT)
                .until(() ->
                        browser.findElements(By.cssSelector("#ledger tbody tr")).size()
                                == ledger.get("lines").size());
        // growth is an orchestrator's call at reservation-service: an operator's token is refused, saying so
        type("growth-bytes", "1 GiB");
        browser.findElement(By.id("growth")).click();
        await().atMost(PAGE_WAIT).until(() -> !text("#growth-result").isEmpty());
        assertThat(text("#growth-result")).contains("refused (403)").contains("roles (viewer, operator)");
        assertThat(RestApi.ok(reservation.get("/disks/" + diskId))
                        .get("budgetBytes")
                        .asLong())
                .isEqualTo(7 * GIB);
        screenshot("disk-pinned");
    }

    @Test
    @Order(9)
    void anOperatorPlansAResizeOnTheJobsPageAndWatchesItsStepsLive() throws Exception {
        browser.get(console + "/jobs");
        loaded();
        browser.findElement(By.cssSelector("#resize-vm option[value='" + vm(3) + "']"))
                .click();
        type("resize-targets", "1=nine");
        browser.findElement(By.id("dry-run")).click();
        assertThat(text("#resize-result")).contains("'nine' is not a size");
        type("resize-targets", "");
        browser.findElement(By.id("dry-run")).click();
        await().atMost(PAGE_WAIT).until(() -> text("#resize-result").contains("Dry run"));
        String jobId =
                browser.findElement(By.cssSelector("#resize-result [data-job]")).getAttribute("data-job");
        JsonNode job = RestApi.ok(inventory.get("/resize-jobs/" + jobId));
        assertThat(job.get("vmId").asText()).isEqualTo(vm(3));
        assertThat(job.get("dryRun").asBoolean()).isTrue();
        assertThat(job.get("byProfile").asBoolean()).isTrue();
        assertThat(job.get("state").asText()).isEqualTo("WAITING_FOR_SCAN");
        assertThat(text("#resize-result")).contains(jobId).contains("WAITING_FOR_SCAN");
        String scanJobId = job.get("scanJobId").asText();
        await().atMost(PAGE_WAIT)
                .until(() -> !browser.findElements(By.cssSelector("#jobs tr[data-job='" + scanJobId + "']"))
                        .isEmpty());

        // the host's worker takes the scan and reports its progress: the page follows without being reloaded
        Object marker = ((JavascriptExecutor) browser).executeScript("return window.performance.timeOrigin;");
        fleet.publish(
                Topic.WORKER_PROGRESS,
                scanJobId,
                JobStarted.newBuilder()
                        .setJobId(scanJobId)
                        .setKind(JobKind.JOB_KIND_SCAN)
                        .setDiskId(vm(3) + "-vda")
                        .setWorkerHost(RestApi.ok(inventory.get("/vms/" + vm(3)))
                                .get("hostId")
                                .asText())
                        .build());
        fleet.publish(
                Topic.WORKER_PROGRESS,
                scanJobId,
                JobProgress.newBuilder()
                        .setJobId(scanJobId)
                        .setStep("read-layout")
                        .setBytesDone(GIB / 4)
                        .setBytesTotal(GIB)
                        .build());
        String scanRow = "#jobs tr[data-job='" + scanJobId + "'] ";
        await().atMost(PAGE_WAIT).untilAsserted(() -> assertThat(text(scanRow + "[data-field='progress']"))
                .as("the scan's progress, as inventory answers %s", inventory.get("/resize-jobs/" + scanJobId))
                .contains("read-layout 25 %"));
        assertThat(text(scanRow + "[data-field='state']"))
                .isEqualTo(RestApi.ok(inventory.get("/resize-jobs/" + scanJobId))
                        .get("state")
                        .asText());
        assertThat(text(scanRow + "[data-field='steps']")).contains("read-layout");
        assertThat(((JavascriptExecutor) browser).executeScript("return window.performance.timeOrigin;"))
                .as("the same page, not reloaded")
                .isEqualTo(marker);
        screenshot("jobs");
    }

    // ---- the browser ----------------------------------------------------------------------------------------------

    /** Waits until the page's script read everything it shows ({@code main[data-state]}), failing on its problem. */
    private static void loaded() {
        await().atMost(PAGE_WAIT).until(() -> {
            String state = browser.findElement(By.id("page")).getAttribute("data-state");
            if (state.equals("failed") || state.equals("signed-out")) {
                throw new AssertionError("the page " + browser.getCurrentUrl() + " shows: " + text("#problems"));
            }
            return state.equals("loaded");
        });
    }

    /** An assertion of what a page shows against what the API answers. */
    @FunctionalInterface
    private interface Comparison {
        void check(JsonNode answer) throws Exception;
    }

    /** Something read from a service. */
    @FunctionalInterface
    private interface Read {
        JsonNode read() throws Exception;
    }

    /**
     * Opens {@code url} and compares what it shows with what {@code read} answers just after; the services move on
     * (reservation-service plans every second), so a page read between two changes is opened again until the page
     * and the answer agree, or the last disagreement fails the test. Answers the figures the page was found to show.
     */
    private static JsonNode matching(String url, Read read, Comparison comparison) throws Exception {
        AssertionError last = null;
        long until = System.nanoTime() + PAGE_WAIT.toNanos();
        do {
            browser.get(url);
            loaded();
            JsonNode answer = read.read();
            try {
                comparison.check(answer);
                return answer;
            } catch (AssertionError disagreement) {
                last = disagreement;
                Thread.sleep(500);
            }
        } while (System.nanoTime() < until);
        throw last;
    }

    private static void signIn(String token) {
        type("token", token);
        browser.findElement(By.id("sign-in")).click();
    }

    private static void type(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    private static String text(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css));
        return found.isEmpty() ? "" : found.getFirst().getText().trim();
    }

    /** The exact byte count a figure shows (its {@code data-bytes}). */
    private static long bytesIn(String css) {
        List<WebElement> found = browser.findElements(By.cssSelector(css + " [data-bytes]"));
        if (found.isEmpty()) {
            throw new AssertionError("no byte count at " + css + " on " + browser.getCurrentUrl());
        }
        return Long.parseLong(found.getFirst().getAttribute("data-bytes"));
    }

    /** A PNG of the whole page, kept as a test artifact. */
    private static void screenshot(String name) throws Exception {
        Dimension window = browser.manage().window().getSize();
        long height = (Long) ((JavascriptExecutor) browser)
                .executeScript("return Math.ceil(Math.max(document.body.scrollHeight,"
                        + " document.documentElement.scrollHeight));");
        browser.manage().window().setSize(new Dimension(window.getWidth(), (int) Math.max(height + 120, 600)));
        try {
            byte[] png = browser.getScreenshotAs(OutputType.BYTES);
            Files.write(SCREENSHOTS.resolve(name + ".png"), png);
        } finally {
            browser.manage().window().setSize(window);
        }
    }

    // ---- the fleet ------------------------------------------------------------------------------------------------

    /** The libvirt test host: both pools and the six VMs, each with a raw disk whose serial is {@code vm-N-root}. */
    private static String host() {
        HostFile xml = new HostFile();
        List<HostFile.Volume> fast = new ArrayList<>();
        List<HostFile.Volume> bulk = new ArrayList<>();
        for (int i = 1; i <= FAST_VMS + BULK_VMS; i++) {
            boolean isFast = i <= FAST_VMS;
            String pool = isFast ? "fast" : "bulk";
            (isFast ? fast : bulk).add(volume("vm-" + i + ".img", isFast ? 10 : 20, isFast ? i : 16, "raw"));
            xml.domain(
                    "vm-" + i,
                    vm(i),
                    true,
                    disk("vda", shared.resolve(pool).resolve("vm-" + i + ".img").toString(), "raw", serial(i)));
        }
        xml.pool("pool-fast", POOL_FAST, shared.resolve("fast").toString(), fast.toArray(HostFile.Volume[]::new));
        xml.pool("pool-bulk", POOL_BULK, shared.resolve("bulk").toString(), bulk.toArray(HostFile.Volume[]::new));
        return xml.writeTo(shared.resolve("host.xml"));
    }

    private static String vm(int i) {
        return "5d000000-0000-0000-0000-00000000000" + i;
    }

    private static String serial(int i) {
        return "vm-" + i + "-root";
    }

    /** A guest's report of its root filesystem on its one disk, as the gateway publishes it. */
    private static UsageReported usage(int i, long utilizedBytes) {
        long total = (i <= FAST_VMS ? 10 : 20) * GIB;
        return UsageReported.newBuilder()
                .setVmId(vm(i))
                .setAgentVersion("console-test")
                .addFilesystems(FilesystemUsage.newBuilder()
                        .setMountPoint("/")
                        .setDiskId(serial(i))
                        .setTotalBytes(total)
                        .setUtilizedBytes(utilizedBytes)
                        .setFreeBytes(total - utilizedBytes)
                        .setBallastBytes(0))
                .build();
    }

    /** The CSV as the API answers it to a viewer. */
    private static String csvAsTheApiAnswers(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + inventory.port() + path))
                                .header("Authorization", Tokens.bearer(Roles.VIEWER))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
