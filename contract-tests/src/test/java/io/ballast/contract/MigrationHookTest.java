package io.ballast.contract;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.local.fleet.HostFile;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Postgres;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.Tokens;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * libvirt's qemu hook ({@code deploy/libvirt/qemu}) called exactly as libvirt calls it, with the domain's XML on its
 * standard input, against the packaged inventory-service and reservation-service on the real broker and PostgreSQL.
 * Two libvirt test hosts: A runs four VMs whose 10 GiB disks are on its pool, B has an empty pool of its own, so a
 * migration from A to B moves each disk to B's datastore. The destination's {@code migrate begin} prepares (a target
 * that cannot hold the disk refuses: exit 1, the reason on standard error, nothing on standard output), the source's
 * {@code release end migrated} commits, the destination's {@code release end failed} aborts, and a migration no hook
 * ends is committed once discovery sees the VM on its target.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationHookTest {

    private static final Duration WAIT = Fleet.WAIT;
    private static final Path HOOK = Program.ROOT.resolve("deploy/libvirt/qemu");
    private static final String POOL_A = "4a000000-0000-0000-0000-00000000000a";
    private static final String POOL_B = "4a000000-0000-0000-0000-00000000000b";
    private static final int VMS = 4;

    @TempDir
    static Path shared;

    private static Fleet fleet;
    private static RestApi inventory;
    private static RestApi reservation;
    private static Path hookConfig;
    private static Path hostAFile;
    private static Path hostBFile;
    private static String hostA;
    private static String hostB;

    @BeforeAll
    static void fleet() throws Exception {
        fleet = new Fleet(shared, 0);
        hostAFile = shared.resolve("host-a.xml");
        hostBFile = shared.resolve("host-b.xml");
        String uris = hosts(List.of()) + "," + HostFile.uri(hostBFile);
        Fleet.Reservation reservationService =
                fleet.reservationService(Postgres.shared().freshDatabase("reservation"));
        reservation = new RestApi(reservationService.httpPort());
        Fleet.Inventory inventoryService =
                fleet.inventoryService(Postgres.shared().freshDatabase("inventory"), uris, reservationService);
        inventory = new RestApi(inventoryService.httpPort());
        RestApi.ok(inventory.send("POST", "/discovery/refresh", Roles.OPERATOR, RestApi.JSON.createObjectNode()));
        hostA = await().atMost(WAIT)
                .until(() -> inventory.get("/vms/" + vm(1)), answer -> answer.status() == 200)
                .body()
                .get("hostId")
                .asText();
        hostB = await().atMost(WAIT)
                .until(
                        () -> inventory.get("/datastores/" + POOL_B),
                        answer -> answer.status() == 200
                                && answer.body().get("hostIds").size() == 1)
                .body()
                .get("hostIds")
                .get(0)
                .asText();
        assertThat(hostB).isNotEqualTo(hostA);
        // reservation learns the datastores and disks from inventory's events
        for (int i = 1; i <= VMS; i++) {
            String diskId = vm(i) + "-vda";
            await().atMost(WAIT).until(() -> reservation.get("/disks/" + diskId), answer -> answer.status() == 200);
        }
        await().atMost(WAIT).until(() -> reservation.get("/datastores/" + POOL_B), answer -> answer.status() == 200);

        Path token =
                Files.writeString(shared.resolve("hook.token"), Tokens.token(Roles.ORCHESTRATOR, Duration.ofHours(1)));
        hookConfig = shared.resolve("libvirt-hook.conf");
        writeHookConfig(hostB, token);
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void aTargetThatCannotHoldTheDiskRefusesTheMigrationBeforeItStarts() throws Exception {
        // B keeps all but 1 GiB of its 100 GiB in reserve: a 10 GiB disk cannot be held there
        RestApi.ok(reservation.send("PUT", "/datastores/" + POOL_B + "/policy", Roles.OPERATOR, policy(99 * GIB)));
        try {
            Hooked refused = hook(2, "migrate", "begin", "-", onB(2));
            timed("migrate begin (refused)", refused);
            assertThat(refused.exit())
                    .as("libvirt stops the migration: %s", refused)
                    .isEqualTo(1);
            assertThat(refused.stdout())
                    .as("stdout would replace the domain XML")
                    .isEmpty();
            assertThat(refused.stderr()).contains("refused").contains(POOL_B).contains("cannot hold");
            JsonNode migration = RestApi.ok(inventory.get("/vms/" + vm(2) + "/migration"));
            assertThat(migration.get("state").asText()).isEqualTo("ABORTED");
            assertThat(migration.get("detail").asText()).contains("cannot hold");
            RestApi.expect(
                    reservation.get(
                            "/migrations/" + migration.get("migrationId").asText()),
                    404);
            assertThat(heldOn(POOL_B)).isZero();
        } finally {
            RestApi.ok(reservation.send("PUT", "/datastores/" + POOL_B + "/policy", Roles.OPERATOR, policy(5 * GIB)));
        }
    }

    @Test
    @Order(2)
    void aMigrationIsPreparedOnItsDestinationAndCommittedByItsSource() throws Exception {
        Hooked unrelated = hook(1, "prepare", "begin", "-", onB(1));
        timed("prepare begin (not Ballast's)", unrelated);
        assertThat(unrelated.exit()).isZero();
        assertThat(unrelated.stdout()).isEmpty();
        assertThat(RestApi.expect(inventory.get("/vms/" + vm(1) + "/migration"), 404))
                .isNotNull();

        Hooked prepared = hook(1, "migrate", "begin", "-", onB(1));
        timed("migrate begin (prepare)", prepared);
        assertThat(prepared.exit()).as("%s", prepared).isZero();
        assertThat(prepared.stdout()).isEmpty();
        JsonNode migration = RestApi.ok(inventory.get("/vms/" + vm(1) + "/migration"));
        assertThat(migration.get("state").asText()).isEqualTo("OPEN");
        assertThat(migration.get("fromHostId").asText()).isEqualTo(hostA);
        assertThat(migration.get("toHostId").asText()).isEqualTo(hostB);
        assertThat(migration.get("disks").get(0).get("toDatastoreId").asText()).isEqualTo(POOL_B);
        String migrationId = migration.get("migrationId").asText();
        JsonNode held = RestApi.ok(reservation.get("/migrations/" + migrationId));
        assertThat(held.get("disks").get(0).get("state").asText()).isEqualTo("PREPARED");
        assertThat(held.get("disks").get(0).get("holdBytes").asLong()).isGreaterThanOrEqualTo(10 * GIB);
        assertThat(heldOn(POOL_B)).isGreaterThanOrEqualTo(10 * GIB);

        long holdBytes = heldOn(POOL_B);
        Hooked again = hook(1, "migrate", "begin", "-", onB(1));
        assertThat(again.exit()).as("libvirt asking again: the same migration").isZero();
        assertThat(RestApi.ok(inventory.get("/vms/" + vm(1) + "/migration"))
                        .get("migrationId")
                        .asText())
                .isEqualTo(migrationId);
        assertThat(heldOn(POOL_B)).as("held once").isEqualTo(holdBytes);

        // a commit reported by a host that is not the source changes nothing
        Hooked notTheSource = hook(1, "release", "end", "migrated", onB(1));
        assertThat(notTheSource.exit()).isZero();
        assertThat(RestApi.ok(inventory.get("/vms/" + vm(1) + "/migration"))
                        .get("state")
                        .asText())
                .isEqualTo("OPEN");

        // on the source, after libvirt moved the VM: the budget follows it
        withHost(hostA);
        Hooked committed = hook(1, "release", "end", "migrated", onA(1));
        timed("release end migrated (commit)", committed);
        assertThat(committed.exit()).as("%s", committed).isZero();
        assertThat(RestApi.ok(inventory.get("/vms/" + vm(1) + "/migration"))
                        .get("state")
                        .asText())
                .isEqualTo("COMMITTED");
        assertThat(stateAtReservation(migrationId)).isEqualTo("COMMITTED");
        assertThat(datastoreAtReservation(1)).isEqualTo(POOL_B);
        assertThat(heldOn(POOL_B)).as("the hold became the disk's budget").isZero();
    }

    @Test
    @Order(3)
    void aMigrationThatFailsOnItsDestinationReleasesItsHold() throws Exception {
        withHost(hostB);
        Hooked prepared = hook(3, "migrate", "begin", "-", onB(3));
        assertThat(prepared.exit()).as("%s", prepared).isZero();
        String migrationId = RestApi.ok(inventory.get("/vms/" + vm(3) + "/migration"))
                .get("migrationId")
                .asText();
        assertThat(heldOn(POOL_B)).isGreaterThanOrEqualTo(10 * GIB);

        // libvirt on the destination after the migration failed: QEMU stopped, then released
        assertThat(hook(3, "stopped", "end", "-", onB(3)).exit()).isZero();
        Hooked aborted = hook(3, "release", "end", "failed", onB(3));
        timed("release end failed (abort)", aborted);
        assertThat(aborted.exit()).as("%s", aborted).isZero();
        JsonNode migration = RestApi.ok(inventory.get("/vms/" + vm(3) + "/migration"));
        assertThat(migration.get("state").asText()).isEqualTo("ABORTED");
        assertThat(stateAtReservation(migrationId)).isEqualTo("ABORTED");
        assertThat(heldOn(POOL_B)).isZero();
        assertThat(datastoreAtReservation(3)).isEqualTo(POOL_A);
    }

    @Test
    @Order(4)
    void aMigrationNoHookEndsIsCommittedOnceInventorySeesTheVmOnItsTarget() throws Exception {
        withHost(hostB);
        Hooked prepared = hook(4, "migrate", "begin", "-", onB(4));
        assertThat(prepared.exit()).as("%s", prepared).isZero();
        String migrationId = RestApi.ok(inventory.get("/vms/" + vm(4) + "/migration"))
                .get("migrationId")
                .asText();

        // the source's hook never runs (its host lost power, say); the VM now runs on B, as does the one migrated
        // before
        hosts(List.of(1, 4));
        RestApi.ok(inventory.send("POST", "/discovery/refresh", Roles.OPERATOR, RestApi.JSON.createObjectNode()));
        await().atMost(WAIT)
                .until(
                        () -> RestApi.ok(inventory.get("/vms/" + vm(4) + "/migration")),
                        migration -> migration.get("state").asText().equals("COMMITTED"));
        assertThat(stateAtReservation(migrationId)).isEqualTo("COMMITTED");
        assertThat(datastoreAtReservation(4)).isEqualTo(POOL_B);
        assertThat(RestApi.ok(inventory.get("/vms/" + vm(4))).get("hostId").asText())
                .isEqualTo(hostB);
    }

    @Test
    @Order(5)
    void callsThatAreNotBallastsReturnAtOnceWithoutAsking() throws Exception {
        Path token = shared.resolve("hook.token");
        Files.writeString(
                hookConfig,
                "BALLAST_INVENTORY_URL=http://localhost:9\nBALLAST_HOOK_TOKEN_FILE=" + token + "\nBALLAST_HOST_ID="
                        + hostB + "\nBALLAST_HOOK_TIMEOUT=5\n");
        for (String[] call : List.of(
                new String[] {"prepare", "begin", "-"},
                new String[] {"start", "begin", "-"},
                new String[] {"started", "begin", "-"},
                new String[] {"stopped", "end", "-"},
                new String[] {"release", "end", "-"})) {
            Hooked quiet = hook(2, call[0], call[1], call[2], onA(2));
            assertThat(quiet.exit()).as("%s", String.join(" ", call)).isZero();
            assertThat(quiet.stdout() + quiet.stderr()).isEmpty();
        }
        Hooked unreachable = hook(2, "migrate", "begin", "-", onB(2));
        assertThat(unreachable.exit())
                .as("a prepare Ballast does not answer refuses by default")
                .isEqualTo(1);
        assertThat(unreachable.stderr()).contains("did not answer");
        Files.writeString(hookConfig, "BALLAST_HOOK_UNREACHABLE=allow\n", StandardOpenOption.APPEND);
        Hooked allowed = hook(2, "migrate", "begin", "-", onB(2));
        assertThat(allowed.exit())
                .as("allowed while Ballast is unreachable: %s", allowed)
                .isZero();
        assertThat(allowed.stdout()).isEmpty();

        // a hook that is not set up right refuses, allowed or not
        Files.writeString(
                hookConfig,
                "BALLAST_INVENTORY_URL=http://localhost:" + inventoryPort() + "\nBALLAST_HOOK_TOKEN_FILE="
                        + shared.resolve("no-such.token") + "\nBALLAST_HOOK_UNREACHABLE=allow\n");
        Hooked noToken = hook(2, "migrate", "begin", "-", onB(2));
        assertThat(noToken.exit()).isEqualTo(1);
        assertThat(noToken.stderr()).contains("no token");
        Path viewer =
                Files.writeString(shared.resolve("viewer.token"), Tokens.token(Roles.VIEWER, Duration.ofHours(1)));
        Files.writeString(
                hookConfig,
                "BALLAST_INVENTORY_URL=http://localhost:" + inventoryPort() + "\nBALLAST_HOOK_TOKEN_FILE=" + viewer
                        + "\nBALLAST_HOST_ID=" + hostB + "\nBALLAST_HOOK_UNREACHABLE=allow\n");
        Hooked forbidden = hook(2, "migrate", "begin", "-", onB(2));
        assertThat(forbidden.exit())
                .as("a token without the orchestrator role: %s", forbidden)
                .isEqualTo(1);
        assertThat(forbidden.stderr()).contains("(403)");
        // the source's and the failure's calls never stop libvirt
        assertThat(hook(2, "release", "end", "migrated", onA(2)).exit()).isZero();
    }

    /** What one hook call did. */
    record Hooked(int exit, String stdout, String stderr, Duration took) {}

    /** Runs the hook as libvirt does: {@code NAME OPERATION SUB-OPERATION EXTRA}, the domain XML on stdin. */
    private static Hooked hook(int vm, String operation, String subOperation, String extra, String domainXml)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(HOOK.toString(), "vm-" + vm, operation, subOperation, extra);
        builder.environment().put("BALLAST_HOOK_CONFIG", hookConfig.toString());
        Path out = Files.createTempFile(shared, "hook", ".out");
        Path err = Files.createTempFile(shared, "hook", ".err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(domainXml.getBytes(StandardCharsets.UTF_8));
        }
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the hook did not end within 90 s");
        }
        return new Hooked(
                process.exitValue(),
                Files.readString(out),
                Files.readString(err),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static void withHost(String hostId) throws IOException {
        writeHookConfig(hostId, shared.resolve("hook.token"));
    }

    private static void writeHookConfig(String hostId, Path token) throws IOException {
        Files.writeString(
                hookConfig,
                "BALLAST_INVENTORY_URL=http://localhost:" + inventoryPort() + "\n"
                        + "BALLAST_HOOK_TOKEN_FILE=" + token + "\n"
                        + "BALLAST_HOST_ID=" + hostId + "\n"
                        + "BALLAST_HOOK_TIMEOUT=60\n");
    }

    private static int inventoryPort() {
        return inventory.port();
    }

    private static void timed(String call, Hooked hooked) {
        System.out.printf(
                "hook %s: exit %d in %d ms%n",
                call, hooked.exit(), hooked.took().toMillis());
    }

    /**
     * Writes both hosts' files, {@code onB} running on B and the rest on A, and answers A's URI. Each pool lists the
     * volumes of the VMs it holds.
     */
    private static String hosts(List<Integer> onB) {
        HostFile a = new HostFile();
        HostFile b = new HostFile();
        List<HostFile.Volume> volumesA = new ArrayList<>();
        List<HostFile.Volume> volumesB = new ArrayList<>();
        for (int i = 1; i <= VMS; i++) {
            boolean there = onB.contains(i);
            (there ? volumesB : volumesA).add(volume("vm-" + i + ".img", 10, 1, "raw"));
            (there ? b : a)
                    .domain(
                            "vm-" + i,
                            vm(i),
                            true,
                            disk("vda", image(there ? "b" : "a", i), "raw", "vm-" + i + "-root"));
        }
        a.pool("pool-a", POOL_A, shared.resolve("a").toString(), volumesA.toArray(HostFile.Volume[]::new));
        b.pool("pool-b", POOL_B, shared.resolve("b").toString(), volumesB.toArray(HostFile.Volume[]::new));
        b.writeTo(hostBFile);
        return a.writeTo(hostAFile);
    }

    /** The domain's XML as libvirt hands it to the hook on A (its image in A's pool). */
    private static String onA(int vm) {
        return HostFile.domainXml("vm-" + vm, vm(vm), true, disk("vda", image("a", vm), "raw", "vm-" + vm + "-root"));
    }

    /** The domain's XML as it will be defined on B (its image copied into B's pool). */
    private static String onB(int vm) {
        return HostFile.domainXml("vm-" + vm, vm(vm), true, disk("vda", image("b", vm), "raw", "vm-" + vm + "-root"));
    }

    private static String image(String pool, int vm) {
        return shared.resolve(pool).resolve("vm-" + vm + ".img").toString();
    }

    private static String vm(int i) {
        return "4c000000-0000-0000-0000-00000000000" + i;
    }

    /** What reservation-service holds on {@code datastoreId} for migrations. */
    private static long heldOn(String datastoreId) {
        return RestApi.ok(reservation.get("/datastores/" + datastoreId))
                .get("holdBytes")
                .asLong();
    }

    /** The state of the (one-disk) migration at reservation-service. */
    private static String stateAtReservation(String migrationId) {
        return RestApi.ok(reservation.get("/migrations/" + migrationId))
                .get("disks")
                .get(0)
                .get("state")
                .asText();
    }

    /** The datastore reservation-service counts VM {@code vm}'s disk on. */
    private static String datastoreAtReservation(int vm) {
        return RestApi.ok(reservation.get("/disks/" + vm(vm) + "-vda"))
                .get("datastoreId")
                .asText();
    }

    private static JsonNode policy(long reserveBytes) {
        return RestApi.JSON.createObjectNode().put("mode", "strict").put("reserveBytes", reserveBytes);
    }
}
