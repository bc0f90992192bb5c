package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.local.LocalDatabase;
import io.ballast.local.launch.Commands;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InventoryEvents;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.Postgres;
import io.ballast.testsupport.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole ballast loop on real components: two reservation-service instances on one PostgreSQL, the gateway, the
 * resize worker, two real agents on two loop-mounted ext4 filesystems inside two partitioned raw images on one
 * datastore, inventory published to the broker. Driven over REST only, as an orchestrator would; one instance is
 * stopped in the middle of a growth and another started, all state coming back from PostgreSQL.
 */
class ReservationLoopTest {

    private static final long MIB = 1 << 20;
    private static final Duration WAIT = Fleet.WAIT;
    private static final String HOST = "reservation-loop-host";
    private static final String DATASTORE = "ds-loop";
    private static final String SPARE = "ds-loop-spare";

    @TempDir
    static Path shared;

    private static Fleet fleet;
    private static ReservationApi one;
    private static ReservationApi two;
    private static LocalDatabase.Database database;
    private static Fleet.Reservation first;
    private static Fleet.Reservation second;
    private static final List<AutoCloseable> guests = new ArrayList<>();
    private static Guest a;
    private static Guest b;

    /** A VM's disk: its image, the loop device and mount the agent keeps its ballast on. */
    record Guest(String vm, String diskId, LoopDisk disk, Path mount) {
        Path image() {
            return disk.image();
        }

        long ballastFileBytes() throws Exception {
            Path ballast = mount.resolve(".ballast");
            return Files.exists(ballast) ? Files.size(ballast) : 0;
        }

        long allocatedBytes() {
            return Long.parseLong(
                            Commands.run("stat", "-c", "%b", image().toString()).strip())
                    * 512;
        }
    }

    @BeforeAll
    static void fleet() throws Exception {
        fleet = new Fleet(shared, 2);
        Fleet.Gateway gateway = fleet.gateway("reservation-loop");
        fleet.worker(HOST);
        database = Postgres.shared().freshDatabase("reservation");
        first = fleet.reservationService(database);
        second = fleet.reservationService(database);
        one = new ReservationApi(first.httpPort());
        two = new ReservationApi(second.httpPort());

        a = guest("vm-1", "disk-a", gateway);
        b = guest("vm-2", "disk-b", gateway);

        try (EventProducer inventory = EventProducer.connect(fleet.broker.bootstrapServers(), "inventory-service")) {
            InventoryEvents described = new InventoryEvents(inventory);
            described.datastore(DATASTORE, 400 * MIB, shared);
            described.datastore(SPARE, 4096 * MIB, shared);
            described.profile("roomy", 0.1, 0.8, 50);
            for (Guest guest : List.of(a, b)) {
                described.vm(guest.vm(), HOST, "roomy");
                // a loop device's guest name is its backing file
                described.rawDisk(
                        guest.diskId(),
                        guest.vm(),
                        DATASTORE,
                        guest.image(),
                        Files.size(guest.image()),
                        guest.image().toString());
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable guest : guests.reversed()) {
            guest.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void aGrowthTakesAnotherGuestsSpaceBackFirstAndTwoInstancesKeepTheInvariant() throws Exception {
        // Two 512 MiB disks on 400 MiB: both ballasts inflate (real fallocate), the worker punches them.
        awaitLoop("both ballasts inflated and reclaimed", () -> settled(a) && settled(b));
        JsonNode before = one.datastore(DATASTORE);
        assertThat(before.get("invariantHolds").asBoolean()).isTrue();
        assertThat(before.get("worstCaseDemandBytes").asLong()).isLessThanOrEqualTo(400 * MIB);
        for (Guest guest : List.of(a, b)) {
            long ballast = one.disk(guest.diskId())
                    .get("ballasts")
                    .get(0)
                    .get("appliedBytes")
                    .asLong();
            assertThat(ballast).isPositive();
            assertThat(guest.ballastFileBytes()).isEqualTo(ballast);
            assertThat(guest.allocatedBytes()).isLessThan(Files.size(guest.image()) - ballast + 8 * MIB);
        }

        // B asks (through the second instance) for more than the datastore's headroom, the rest from what A has above
        // its minimum: pending until A's ballast has grown and its blocks are punched out of A's image, then B's
        // ballast shrinks.
        JsonNode diskA = one.disk(a.diskId());
        JsonNode diskB = one.disk(b.diskId());
        long headroom = Math.max(0, before.get("headroomBytes").asLong());
        long fromA = diskA.get("budgetBytes").asLong()
                - diskA.get("minimumBudgetBytes").asLong()
                - 8 * MIB;
        long room =
                diskB.get("designatedBytes").asLong() - diskB.get("budgetBytes").asLong();
        long give = Math.min(headroom + fromA, room) / MIB * MIB;
        assertThat(give - headroom)
                .as("the growth needs at least 16 MiB of A's space")
                .isGreaterThanOrEqualTo(16 * MIB);
        long aBallastBefore = a.ballastFileBytes();
        long bBallastBefore = b.ballastFileBytes();
        long aAllocatedBefore = a.allocatedBytes();
        ReservationApi.Answer asked = two.growth(b.diskId(), "grow-b-1", give);
        assertThat(asked.status()).as(asked.body().toString()).isEqualTo(202);
        assertThat(asked.body().get("state").asText()).isEqualTo("PENDING");

        // The first instance stops while the growth is under way; the second carries on from the database, and a
        // new first instance starts from it too.
        first.program().close();
        one = two;

        awaitLoop(
                "B's growth granted",
                () -> invariantHolds()
                        && one.growthStatus("grow-b-1").get("state").asText().equals("GRANTED"));
        long aGrew = a.ballastFileBytes() - aBallastBefore;
        assertThat(aGrew).as("A's ballast grew by what the headroom lacked").isGreaterThanOrEqualTo(give - headroom);
        assertThat(aAllocatedBefore - a.allocatedBytes())
                .as("A's grown ballast punched out of A's image")
                .isGreaterThan(aGrew - 4 * MIB);
        first = fleet.reservationService(database);
        one = new ReservationApi(first.httpPort());
        assertThat(one.growthStatus("grow-b-1").get("state").asText()).isEqualTo("GRANTED");
        awaitLoop("B's ballast deflated", () -> invariantHolds() && b.ballastFileBytes() <= bBallastBefore - give);
        awaitLoop("both disks settled again", () -> settled(a) && settled(b));
        assertThat(one.datastore(DATASTORE).get("invariantHolds").asBoolean()).isTrue();

        // A growth even A at its minimum cannot give: refused with the migration that would make room.
        diskA = one.disk(a.diskId());
        long tooMuch = diskA.get("budgetBytes").asLong()
                - diskA.get("minimumBudgetBytes").asLong()
                + 32 * MIB;
        ReservationApi.Answer refused = one.growth(b.diskId(), "grow-b-2", tooMuch);
        assertThat(refused.status()).as(refused.body().toString()).isEqualTo(409);
        assertThat(refused.body().get("recommendation").get("toDatastoreId").asText())
                .isEqualTo(SPARE);

        // Migration: prepare -> abort releases the hold; a hold past its TTL cannot commit; prepare -> commit moves
        // B's budget and its ballast is reclaimed again on its (new) image.
        assertThat(one.prepare("mig-abort", a.diskId(), SPARE, 600).status()).isEqualTo(200);
        assertThat(two.datastore(SPARE).get("holdBytes").asLong()).isPositive();
        assertThat(two.abort("mig-abort").status()).isEqualTo(200);
        assertThat(one.datastore(SPARE).get("holdBytes").asLong()).isZero();
        assertThat(one.prepare("mig-ttl", a.diskId(), SPARE, 1).status()).isEqualTo(200);
        await().atMost(WAIT).until(() -> one.datastore(SPARE).get("holdBytes").asLong() == 0);
        assertThat(two.commit("mig-ttl").status()).isEqualTo(409);
        try (EventTap jobs = fleet.tap(Topic.WORKER_JOBS);
                EventTap progress = fleet.tap(Topic.WORKER_PROGRESS)) {
            assertThat(two.prepare("mig-b", b.diskId(), SPARE, 600).status()).isEqualTo(200);
            assertThat(one.commit("mig-b").status()).isEqualTo(200);
            assertThat(one.disk(b.diskId()).get("datastoreId").asText()).isEqualTo(SPARE);
            List<Decoded.Event> asked2 = jobs.readUntil(
                    e -> e.payload() instanceof ReclaimJob job
                            && job.getDiskId().equals(b.diskId()),
                    WAIT);
            ReclaimJob again = (ReclaimJob) asked2.getLast().payload();
            assertThat(again.getImagePath()).isEqualTo(b.image().toString());
            progress.readUntil(
                    e -> e.payload() instanceof JobFinished done
                            && done.getJobId().equals(again.getJobId()),
                    WAIT);
        }
        assertThat(one.datastore(DATASTORE).get("disks").asInt()).isEqualTo(1);

        // Concurrent growths for A split across both instances: each decided once, no command doubled.
        try (EventTap commands = fleet.tap(Topic.BALLAST_COMMANDS)) {
            long effectiveBefore = one.disk(a.diskId()).get("effectiveBytes").asLong();
            List<CompletableFuture<ReservationApi.Answer>> growths = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ReservationApi api = i % 2 == 0 ? one : two;
                String id = "grow-a-" + i;
                growths.add(CompletableFuture.supplyAsync(() -> api.growth(a.diskId(), id, 4 * MIB)));
            }
            for (CompletableFuture<ReservationApi.Answer> growth : growths) {
                assertThat(growth.get().status())
                        .as(growth.get().body().toString())
                        .isIn(200, 202);
            }
            // Each growth is decided once; the planner may give A more of the room B left meanwhile, so A ends with
            // at least what the six growths added.
            await().atMost(WAIT)
                    .until(() -> java.util.stream.IntStream.range(0, 6).allMatch(i -> one.growthStatus("grow-a-" + i)
                                    .get("state")
                                    .asText()
                                    .equals("GRANTED"))
                            && settled(a));
            assertThat(one.disk(a.diskId()).get("effectiveBytes").asLong())
                    .isGreaterThanOrEqualTo(effectiveBefore + 24 * MIB);
            assertThat(a.ballastFileBytes())
                    .isEqualTo(one.disk(a.diskId())
                            .get("ballasts")
                            .get(0)
                            .get("appliedBytes")
                            .asLong());
            Map<Long, List<Long>> targetsByGeneration = commands.readFor(Duration.ofSeconds(2)).stream()
                    .map(Decoded.Event::payload)
                    .filter(p -> p instanceof SetBallastSize c && c.getVmId().equals(a.vm()))
                    .map(SetBallastSize.class::cast)
                    .collect(Collectors.groupingBy(
                            SetBallastSize::getGeneration,
                            Collectors.mapping(SetBallastSize::getTargetBytes, Collectors.toList())));
            assertThat(targetsByGeneration).isNotEmpty();
            targetsByGeneration.forEach(
                    (generation, targets) -> assertThat(targets.stream().distinct())
                            .as("generation %d is one command (resent at most)", generation)
                            .hasSize(1));
        }
        assertThat(one.ledger("disk=" + a.diskId() + "&limit=1000").get("lines").size())
                .isPositive();
        for (Fleet.Reservation instance : List.of(first, second)) {
            assertThat(Fleet.metric(instance.httpPort(), "ballast_invariant_violations_total", Map.of()))
                    .isZero();
        }
    }

    /**
     * Waits for {@code condition}; when it does not come, fails with what the service shows of both disks and the
     * datastore, and the end of each instance's log.
     */
    private static void awaitLoop(String what, java.util.concurrent.Callable<Boolean> condition) {
        try {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(condition);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder state = new StringBuilder(what + " did not happen within " + WAIT.toSeconds() + " s\n");
            state.append("datastore: ").append(one.datastore(DATASTORE)).append('\n');
            state.append("disk a: ").append(one.disk(a.diskId())).append('\n');
            state.append("disk b: ").append(one.disk(b.diskId())).append('\n');
            for (Fleet.Reservation instance : List.of(first, second)) {
                String log = instance.program().log();
                state.append("--- reservation-service on ")
                        .append(instance.httpPort())
                        .append(":\n")
                        .append(log, Math.max(0, log.length() - 6000), log.length());
            }
            throw new AssertionError(state.toString(), e);
        }
    }

    /** Whether the disk's ballast is where the service wants it: no command or reclaim in flight, agent online. */
    private static boolean settled(Guest guest) {
        JsonNode disk = one.disk(guest.diskId());
        return disk.get("agentOnline").asBoolean()
                && disk.get("state").asText().equals("STEADY")
                && disk.get("ballasts").size() > 0
                && disk.get("unreclaimedBytes").asLong() == 0;
    }

    private static boolean invariantHolds() {
        boolean holds = one.datastore(DATASTORE).get("invariantHolds").asBoolean();
        assertThat(holds).as("the invariant holds at every look").isTrue();
        return holds;
    }

    private static Guest guest(String vm, String diskId, Fleet.Gateway gateway) throws Exception {
        Path directory = Files.createDirectories(shared.resolve(vm));
        LoopDisk disk = LoopDisk.create(directory, 512 * MIB, "label: gpt\nstart=2048, size=65536\nstart=69632\n");
        guests.add(disk);
        Path mount = disk.mountExt4(2, directory);
        Commands.run("dd", "if=/dev/urandom", "of=" + mount.resolve("keep"), "bs=1M", "count=16", "status=none");
        LoopDisk.backFreeBlocks(mount);
        Program agent = fleet.startAgent(vm, gateway, mount, directory.resolve("agent-state"));
        guests.add(agent);
        return new Guest(vm, diskId, disk, mount);
    }
}
