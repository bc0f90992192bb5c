package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ballast.local.LocalDatabase;
import io.ballast.local.fleet.HostFile;
import io.ballast.local.launch.Commands;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The design's worked examples 1–6 across all four services, driven over REST only as an orchestrator and an operator
 * would: inventory-service discovers a libvirt test host whose datastores are directories of real images, the VMs'
 * agents are the real daemon on loop-mounted ext4 filesystems in those images, reservation-service sizes their
 * ballasts, the gateway carries the commands, the resize worker punches the ballasts out of the images and right-sizes
 * the shut-off VM's disk. Each example asserts what an operator checks: budgets, ballast sizes inside the guest, bytes
 * on the host, report figures, job history. Last, a resize cancelled before its worker began is refused its lease.
 *
 * <p>A real filesystem takes some of its disk for itself (the partition table, the journal, its tables), so where an
 * example's round figure is a free share of the disk, the test asserts the figure the planner's rule gives for the
 * filesystem's real size and usage, and that it lies within what the filesystem takes of the round one.
 *
 * <p>On the way every part is restarted during a scenario: PostgreSQL while ten ballasts inflate, reservation-service
 * with a growth pending, the broker with a deflate in flight, the worker before a migrated image is reclaimed, the
 * gateway before pinned ballasts are sent, inventory-service during a resize. Nothing is lost or done twice: every
 * command generation carries one size, each example ends at its figures, and no decision ever broke the invariant: a
 * datastore whose overcommitted disks count whole until their agents report starts above its limit, and once within it
 * stays there at every look.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkedExamplesTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final Duration SETTLE = Duration.ofMinutes(3);
    /** The least change of a planned budget that is sent. */
    private static final long STEP = 256 * MIB;

    @TempDir
    static Path shared;

    /** A datastore: a directory pool of the test host. */
    record Pool(String name, String id, Path directory) {}

    private static Fleet fleet;
    private static LocalDatabase postgres;
    private static Fleet.Gateway gateway;
    private static Fleet.Reservation reservation;
    private static Fleet.Inventory inventoryService;
    private static Program worker;
    private static ReservationApi budgets;
    private static RestApi inventory;
    private static String hostId;
    private static String uri;
    private static final List<RealVm> vms = new ArrayList<>();
    private static final Map<RealVm, Pool> placed = new LinkedHashMap<>();
    private static final Map<String, Pool> pools = new LinkedHashMap<>();
    private static final List<String> examined = new ArrayList<>();
    /** The datastores seen within their limit: from then on they must stay there. */
    private static final java.util.Set<String> withinLimit = new java.util.HashSet<>();

    private static EventTap commands;

    private static RealVm shutOff;
    private static Pool e6;

    @BeforeAll
    static void fleet() throws Exception {
        SystemPrerequisites.require("fallocate", "stat", "cp", "sfdisk", "e2fsck", "dumpe2fs", "mkswap", "sha256sum");
        fleet = new Fleet(shared, 0);
        postgres = LocalDatabase.startEmbedded(0);
        gateway = fleet.gateway("worked-examples");
        reservation = fleet.reservationService(postgres.create("reservation"));
        budgets = new ReservationApi(reservation.httpPort());
        commands = fleet.tap(Topic.BALLAST_COMMANDS);

        for (int example : List.of(1, 2, 3, 4, 5, 6)) {
            pool("ex" + example, example);
        }
        pool("ex4-target", 7);
        for (int i = 0; i < 10; i++) {
            vm(1, i, 10 * GIB);
        }
        vm(2, 0, 100 * GIB);
        vm(2, 1, 100 * GIB);
        vm(3, 0, 10 * GIB);
        vm(4, 0, 10 * GIB);
        vm(5, 0, 100 * GIB);
        vm(5, 1, 100 * GIB);
        e6 = pools.get("ex6");
        Example6.make(e6.directory(), shared);

        uri = writeHost();
        inventoryService = fleet.inventoryService(postgres.create("inventory"), uri);
        inventory = new RestApi(inventoryService.httpPort());
        refresh();
        hostId = await().atMost(Fleet.WAIT)
                .until(() -> inventory.get("/vms/" + Example6.VM), answer -> answer.status() == 200)
                .body()
                .get("hostId")
                .asText();
        worker = fleet.worker(hostId, inventoryService, uri);

        // the profiles and which VM keeps which, over inventory's REST interface
        profile("half-free", 0.5, 0.5);
        profile("roomy", 0.1, 0.95);
        profile("two-thirds-free", 0.5, 2.0 / 3);
        Map<Integer, String> profiles = Map.of(1, "half-free", 2, "roomy", 3, "two-thirds-free");
        for (RealVm vm : vms) {
            int example = Integer.parseInt(placed.get(vm).name().substring(2, 3));
            if (profiles.containsKey(example)) {
                RestApi.ok(inventory.send(
                        "PUT",
                        "/vms/" + vm.id + "/profile",
                        Roles.OPERATOR,
                        RestApi.JSON.createObjectNode().put("profile", profiles.get(example))));
            }
        }
        RestApi.ok(inventory.send(
                "PUT",
                "/vms/" + Example6.VM + "/profile",
                Roles.OPERATOR,
                RestApi.JSON.createObjectNode().put("profile", "two-thirds-free")));
        await().atMost(Fleet.WAIT).until(() -> vms.stream()
                .allMatch(vm -> budgets.get("/disks/" + vm.diskId()).status() == 200));
    }

    @AfterAll
    static void stop() {
        if (commands != null) {
            commands.close();
        }
        for (RealVm vm : vms.reversed()) {
            vm.close();
        }
        if (fleet != null) {
            fleet.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    /**
     * 1. Ten VMs, each a 10 GB sparse disk with 2 GB used, on a 50 GB datastore: a 6 GB ballast each gives 4 GB
     * effective; usage near 4 GB makes the guest warn, never the host fail. PostgreSQL restarts while the ten ballasts
     * are being inflated.
     */
    @Test
    @Order(1)
    void example1TenGuestsGetBallastsThatKeepTheirDatastoreWithinFiftyGigabytes() throws Exception {
        Pool pool = pools.get("ex1");
        policy(pool, 50 * GIB);
        List<RealVm> guests = on(pool);
        for (RealVm vm : guests) {
            vm.use(2 * GIB);
        }
        RealVm.startAgents(fleet, gateway, guests);
        await().atMost(Fleet.WAIT).until(() -> guests.stream()
                .anyMatch(vm -> !disk(vm).get("ballasts").isEmpty()));
        postgres.restart();

        awaitSettled("the ten ballasts inflated and punched", pool, guests);
        long sumEffective = 0;
        for (RealVm vm : guests) {
            JsonNode disk = disk(vm);
            RealVm.Usage usage = vm.usage();
            long applied = applied(disk);
            // half of the filesystem stays free: the ballast is what of it is above twice the guest's use, less at most
            // the planner's step (a budget follows small changes of usage only when they pass it)
            long planned = floorMib(usage.totalBytes()
                    - (long) Math.ceil(disk.get("utilizedBytes").asLong() / 0.5));
            assertThat(applied).as("%s's ballast", vm.name).isBetween(planned - STEP, planned);
            assertThat(vm.ballastFileBytes())
                    .as("the ballast inside %s", vm.name)
                    .isEqualTo(applied);
            assertThat(disk.get("effectiveBytes").asLong()).isEqualTo(vm.designatedBytes - applied);
            long ownBytes = vm.designatedBytes - usage.totalBytes();
            assertThat(applied).isBetween(6 * GIB - ownBytes - STEP, 6 * GIB);
            assertThat(vm.allocatedBytes())
                    .as("no byte of %s's ballast is backed in its image", vm.name)
                    .isLessThanOrEqualTo(vm.designatedBytes - applied + RealVm.IMAGE_MAP_BYTES);
            sumEffective += disk.get("effectiveBytes").asLong();
        }
        JsonNode datastore = budgets.datastore(pool.id());
        assertThat(datastore.get("worstCaseDemandBytes").asLong()).isEqualTo(sumEffective);
        assertThat(sumEffective).isLessThanOrEqualTo(50 * GIB);

        // the guest that tries to use more than its effective size is told so inside; the host is not touched
        RealVm full = guests.getFirst();
        long allocated = full.allocatedBytes();
        RealVm.Usage before = full.usage();
        assertThatThrownBy(() -> Commands.run(
                        "fallocate",
                        "-l",
                        Long.toString(before.freeBytes() + GIB),
                        full.mount().resolve("too-much").toString()))
                .hasMessageContaining("No space left on device");
        assertThat(full.allocatedBytes()).isEqualTo(allocated);
        assertThat(budgets.datastore(pool.id()).get("invariantHolds").asBoolean())
                .isTrue();

        // the VM report shows each guest's use and ballast next to what its image takes on the host
        Map<String, JsonNode> rows = reportRows(pool);
        for (RealVm vm : guests) {
            JsonNode row = rows.get(vm.diskId());
            assertThat(row.get("ballastBytes").asLong()).isEqualTo(applied(disk(vm)));
            assertThat(row.get("usedBytes").asLong())
                    .isEqualTo(disk(vm).get("utilizedBytes").asLong());
            assertThat(row.get("designatedBytes").asLong()).isEqualTo(10 * GIB);
        }
        stopAgents(guests);
    }

    /**
     * 2. Two 100 GB disks with 50 GB ballasts: deflating the second by 30 GB hands it 30 of the 50 GB reserved from
     * the first. reservation-service restarts while the growth is pending.
     */
    @Test
    @Order(2)
    void example2AGrowthOfThirtyGigabytesIsTakenFromTheOtherDisksBallastFirst() throws Exception {
        Pool pool = pools.get("ex2");
        policy(pool, 100 * GIB);
        List<RealVm> guests = on(pool);
        RealVm a = guests.get(0);
        RealVm b = guests.get(1);
        a.writeAndDelete(GIB);
        for (RealVm vm : guests) {
            vm.use(3 * GIB);
        }
        RealVm.startAgents(fleet, gateway, guests);
        awaitSettled("two 50 GiB ballasts", pool, guests);
        // both want 60 GiB: the 100 GiB are shared evenly, as evenly as their guests' use is
        for (RealVm vm : guests) {
            assertThat(vm.ballastFileBytes()).isEqualTo(applied(disk(vm))).isBetween(50 * GIB - STEP, 50 * GIB + STEP);
        }
        assertThat(disk(a).get("effectiveBytes").asLong()
                        + disk(b).get("effectiveBytes").asLong())
                .isEqualTo(100 * GIB);
        assertThat(budgets.datastore(pool.id()).get("worstCaseDemandBytes").asLong())
                .isEqualTo(100 * GIB);
        long aBallast = a.ballastFileBytes();
        long bBallast = b.ballastFileBytes();
        long aEffective = disk(a).get("effectiveBytes").asLong();

        ReservationApi.Answer asked = budgets.growth(b.diskId(), "ex2-b", 30 * GIB);
        assertThat(asked.status()).as(asked.body().toString()).isEqualTo(202);
        reservation = new Fleet.Reservation(fleet.restart(reservation.program()), reservation.httpPort());

        awaitSettled("the growth granted from A's ballast", pool, guests, () -> budgets.growthStatus("ex2-b")
                .get("state")
                .asText()
                .equals("GRANTED"));
        assertThat(a.ballastFileBytes()).isEqualTo(aBallast + 30 * GIB);
        assertThat(b.ballastFileBytes()).isEqualTo(bBallast - 30 * GIB);
        assertThat(disk(a).get("effectiveBytes").asLong()).isEqualTo(aEffective - 30 * GIB);
        assertThat(disk(b).get("effectiveBytes").asLong()).isEqualTo(100 * GIB - aEffective + 30 * GIB);
        assertThat(budgets.datastore(pool.id()).get("worstCaseDemandBytes").asLong())
                .isEqualTo(100 * GIB);
        assertThat(a.allocatedBytes())
                .as("A's grown ballast punched out of A's image")
                .isLessThanOrEqualTo(a.designatedBytes - a.ballastFileBytes() + RealVm.IMAGE_MAP_BYTES);
        assertThat(budgets.ledger("disk=" + b.diskId() + "&limit=1000")
                        .get("lines")
                        .toString())
                .contains("ex2-b");
        stopAgents(guests);
    }

    /**
     * 3. A 10 GB disk with a 4 GB ballast (6 GB effective) deflated by 2 GB has 8 GB effective, with no reboot. The
     * broker restarts with the deflate in flight.
     */
    @Test
    @Order(3)
    void example3ADeflateOfTwoGigabytesReachesTheRunningGuest() throws Exception {
        Pool pool = pools.get("ex3");
        policy(pool, 30 * GIB);
        RealVm vm = on(pool).getFirst();
        vm.use(2 * GIB);
        vm.startAgent(fleet, gateway);
        awaitSettled("a ballast of about 4 GiB", pool, List.of(vm));
        JsonNode disk = disk(vm);
        long applied = applied(disk);
        long effective = disk.get("effectiveBytes").asLong();
        RealVm.Usage usage = vm.usage();
        // two thirds of the filesystem free, as the guest has room for: the ballast is what is above three times its
        // use
        long planned =
                floorMib(usage.totalBytes() - 3 * disk.get("utilizedBytes").asLong());
        assertThat(applied).isBetween(planned - STEP, planned);
        assertThat(applied).isBetween(4 * GIB - (vm.designatedBytes - usage.totalBytes()) - STEP, 4 * GIB);
        assertThat(effective).isEqualTo(vm.designatedBytes - applied);

        JsonNode granted = RestApi.ok(budgets.growth(vm.diskId(), "ex3", 2 * GIB));
        assertThat(granted.get("state").asText()).isEqualTo("GRANTED");
        assertThat(disk(vm).get("effectiveBytes").asLong())
                .as("a deflate counts the moment it is sent")
                .isEqualTo(effective + 2 * GIB);
        fleet.broker.restart();

        awaitSettled("the ballast deflated by 2 GiB", pool, List.of(vm));
        assertThat(vm.ballastFileBytes()).isEqualTo(applied - 2 * GIB);
        assertThat(disk(vm).get("effectiveBytes").asLong()).isEqualTo(effective + 2 * GIB);
        assertThat(vm.agentLog())
                .as("the same agent, never restarted, applied it")
                .containsOnlyOnce("connected to the gateway as VM " + vm.id);
        stopAgents(List.of(vm));
    }

    /**
     * 4. A VM using 4 GB of a 10 GB designated disk is bounded by a 6 GB ballast to fit a 4 GB target before it is
     * moved; then moved (M19): its image copied whole to another datastore, where its ballast is reported again and
     * punched out of the copy. The worker restarts before the copy is reclaimed.
     */
    @Test
    @Order(4)
    void example4ABoundVmIsMovedAndItsBallastPunchedOutOfTheCopy() throws Exception {
        Pool pool = pools.get("ex4");
        Pool target = pools.get("ex4-target");
        RealVm vm = on(pool).getFirst();
        // the disk holds 4 GiB of the guest's (its data with the filesystem's own), and a little room for the
        // ballast's extent tree
        vm.use(vm.usage().totalBytes() - 6 * GIB - 16 * MIB);
        vm.startAgent(fleet, gateway);
        await().atMost(Fleet.WAIT)
                .until(() -> disk(vm).get("agentOnline").asBoolean()
                        && disk(vm).get("utilizedBytes").asLong() > 3 * GIB);

        JsonNode bound = RestApi.ok(budgets.send(
                "POST",
                "/vms/" + vm.id + "/export-bound",
                Roles.ORCHESTRATOR,
                RestApi.JSON.createObjectNode().put("bytes", 4 * GIB)));
        assertThat(bound.get("ballastBytes").get(vm.diskId()).asLong()).isEqualTo(6 * GIB);
        awaitSettled("the 6 GiB bound applied", pool, List.of(vm));
        assertThat(vm.ballastFileBytes()).isEqualTo(6 * GIB);
        assertThat(disk(vm).get("effectiveBytes").asLong()).isEqualTo(4 * GIB);
        assertThat(disk(vm).get("pinnedBallastBytes").asLong()).isEqualTo(6 * GIB);
        assertThat(vm.allocatedBytes()).isLessThanOrEqualTo(4 * GIB + RealVm.IMAGE_MAP_BYTES);

        // the move: a hold on the target, the image copied whole, the VM going on from the copy, the commit
        RestApi.ok(budgets.prepare("m19", vm.diskId(), target.id(), 600));
        assertThat(budgets.datastore(target.id()).get("holdBytes").asLong()).isPositive();
        try (EventTap jobs = fleet.tap(Topic.WORKER_JOBS);
                EventTap progress = fleet.tap(Topic.WORKER_PROGRESS)) {
            vm.copyTo(target.directory());
            Path copy = vm.image();
            assertThat(RealVm.allocatedBytes(copy))
                    .as("the copy backs every byte, the ballast's too")
                    .isGreaterThanOrEqualTo(vm.designatedBytes - MIB);
            placed.put(vm, target);
            writeHost();
            worker = fleet.restart(worker);
            refresh();
            vm.startAgent(fleet, gateway);
            Instant committed = Instant.now();
            RestApi.ok(budgets.commit("m19"));
            assertThat(disk(vm).get("datastoreId").asText()).isEqualTo(target.id());
            assertThat(budgets.datastore(target.id()).get("holdBytes").asLong()).isZero();

            Decoded.Event asked = jobs.readNext(
                    event -> event.payload() instanceof ReclaimJob job
                            && job.getDiskId().equals(vm.diskId())
                            && job.getImagePath().equals(copy.toString()),
                    SETTLE);
            String jobId = ((ReclaimJob) asked.payload()).getJobId();
            progress.readNext(
                    event -> event.payload() instanceof JobFinished done
                            && done.getJobId().equals(jobId),
                    SETTLE);
            awaitSettled("the copy reclaimed", target, List.of(vm));
            JsonNode ballast = disk(vm).get("ballasts").get(0);
            assertThat(ballast.get("extents").asInt())
                    .as("extents reported again")
                    .isPositive();
            assertThat(Instant.parse(ballast.get("reclaimedAt").asText())).isAfter(committed);
            assertThat(RealVm.allocatedBytes(copy))
                    .as("the ballast punched out of the copy: its allocation drops by the ballast")
                    .isLessThanOrEqualTo(vm.designatedBytes - 6 * GIB + RealVm.IMAGE_MAP_BYTES);
        }
        assertThat(budgets.datastore(pool.id()).get("disks").asInt()).isZero();
        stopAgents(List.of(vm));
    }

    /**
     * 5. Disks created at the largest size the interface allows (100 GB) and bounded at once with 60 GB ballasts need
     * 40 GB of backing each. The gateway restarts before the pins reach the agents.
     */
    @Test
    @Order(5)
    void example5TwoHundredGigabyteDisksPinnedAtSixtyGigabytesNeedFortyEach() throws Exception {
        Pool pool = pools.get("ex5");
        List<RealVm> guests = on(pool);
        RealVm.startAgents(fleet, gateway, guests);
        await().atMost(Fleet.WAIT).until(() -> guests.stream()
                .allMatch(vm -> disk(vm).get("agentOnline").asBoolean()
                        && disk(vm).get("lastReportAt").isTextual()));
        for (RealVm vm : guests) {
            RestApi.ok(budgets.send(
                    "PUT",
                    "/disks/" + vm.diskId() + "/ballast",
                    Roles.OPERATOR,
                    RestApi.JSON.createObjectNode().put("ballastBytes", 60 * GIB)));
        }
        gateway = new Fleet.Gateway(fleet.restart(gateway.program()), gateway.httpPort(), gateway.tlsPort());

        awaitSettled("both 60 GiB pins applied", pool, guests);
        for (RealVm vm : guests) {
            assertThat(vm.ballastFileBytes()).isEqualTo(60 * GIB);
            assertThat(disk(vm).get("worstCaseDemandBytes").asLong()).isEqualTo(40 * GIB);
            assertThat(vm.allocatedBytes()).isLessThan(40 * GIB);
        }
        assertThat(budgets.datastore(pool.id()).get("worstCaseDemandBytes").asLong())
                .isEqualTo(80 * GIB);
        stopAgents(guests);
    }

    /**
     * 6. A 10 GB partition with 8 GB unused, profile "keep 4 GB free": resized to 6 GB, 4 GB saved, partitions after
     * it moved left and aligned, image truncated. inventory-service restarts while the resize runs.
     */
    @Test
    @Order(6)
    void example6TheShutOffVmsPartitionIsRightSizedAndTheImageTruncated() throws Exception {
        long sizeBefore = Files.size(Example6.image(e6.directory()));
        JsonNode batch = RestApi.ok(inventory.send("POST", "/resize-jobs", Roles.OPERATOR, resizeBatch()));
        assertThat(batch.get("refused")).isEmpty();
        JsonNode job = batch.get("jobs").get(0);
        assertThat(job.get("state").asText()).isEqualTo("WAITING_FOR_SCAN");
        String jobId = job.get("id").asText();

        await().atMost(SETTLE)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> RestApi.ok(inventory.get("/resize-jobs/" + jobId)), seen -> List.of(
                                "RUNNING", "FINISHED", "FAILED")
                        .contains(seen.get("state").asText()));
        inventoryService = new Fleet.Inventory(fleet.restart(inventoryService.program()), inventoryService.httpPort());

        JsonNode done = await().atMost(SETTLE)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> RestApi.ok(inventory.get("/resize-jobs/" + jobId)), seen -> List.of(
                                "FINISHED", "FAILED", "CANCELLED")
                        .contains(seen.get("state").asText()));
        assertThat(done.get("state").asText()).as("the job: %s", done).isEqualTo("FINISHED");
        // by the profile: 2 GiB used, two thirds free, so 6 GiB; the partition after it is shrunk by the same rule
        JsonNode targets = done.get("targets");
        assertThat(targets.get(0).get("partition").asInt()).isEqualTo(1);
        assertThat(targets.get(0).get("sizeBytes").asLong())
                .as("2 GiB used, 4 GiB kept free")
                .isEqualTo(6 * GIB);
        long projected = done.get("projectedSavingsBytes").asLong();
        assertThat(projected).as("the 4 GiB of the first partition, and more").isGreaterThan(4 * GIB);
        List<String> steps = new ArrayList<>();
        done.get("steps").forEach(step -> steps.add(step.get("step").asText()));
        assertThat(steps).containsSubsequence("queued", "started", "power-off", "lock", "resize", "unlock", "finished");
        assertThat(steps).as("the VM was off: it stays off").doesNotContain("power-on");
        assertThat(steps.stream().filter("finished"::equals))
                .as("finished once")
                .hasSize(1);
        assertThat(done.get("workerHost").asText()).isEqualTo(hostId);
        // inventory scans the changed disk again: the layout it shows is the worker's result
        await().atMost(Fleet.WAIT)
                .until(
                        () -> inventory.get("/disks/" + Example6.VM + "-vda/layout"),
                        // a layout may show no partition yet while the scan after the resize runs
                        answer -> answer.status() == 200
                                && answer.body()
                                                .path("partitions")
                                                .path(0)
                                                .path("sizeBytes")
                                                .asLong()
                                        == 6 * GIB);

        long sizeAfter = Files.size(Example6.image(e6.directory()));
        assertThat(sizeBefore - sizeAfter)
                .as("the image truncated by what was saved and the unpartitioned space after its last partition")
                .isBetween(projected - 8 * MIB, projected + Example6.TAIL_BYTES + 8 * MIB);
        assertThat(done.get("result").get("imageAfterBytes").asLong()).isEqualTo(sizeAfter);
        JsonNode savings = RestApi.ok(inventory.get("/reports/savings"));
        JsonNode row = null;
        for (JsonNode disk : savings.get("disks")) {
            if (disk.get("vmId").asText().equals(Example6.VM)) {
                row = disk;
            }
        }
        assertThat(row).as("the savings report's row of %s", Example6.VM).isNotNull();
        // realized is what the datastore gained: backed bytes before less after (the allocated file was never
        // written, so the image held little of the partition's 10 GiB)
        assertThat(row.get("realizedBytes").asLong())
                .isEqualTo(done.get("realizedSavingsBytes").asLong())
                .isEqualTo(done.get("result").get("backedBeforeBytes").asLong()
                        - done.get("result").get("backedAfterBytes").asLong());
        Example6.check(e6.directory(), shared);
    }

    /** A resize cancelled before its worker began is refused its lease and leaves the image as it was. */
    @Test
    @Order(7)
    void aResizeCancelledBeforeItsWorkerBeganIsRefusedItsLeaseAndChangesNothing() throws Exception {
        worker.close();
        Path image = Example6.image(e6.directory());
        String before = Commands.run("sha256sum", image.toString()).split(" ")[0];
        try (EventTap progress = fleet.tap(Topic.WORKER_PROGRESS)) {
            ObjectNode request = RestApi.JSON.createObjectNode().put("vmId", Example6.VM);
            request.putArray("targets").addObject().put("partition", 1).put("sizeBytes", 5 * GIB);
            // the layout is known (scanned again after example 6): the resize is sent at once, once the lease of
            // example 6's job has been given back (it ended while inventory restarted: its worker asked again until
            // inventory answered, or once more as it stopped)
            String jobId = await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> inventory.send("POST", "/resize-jobs", Roles.OPERATOR, request), answer -> {
                        if (answer.status() == 409
                                && answer.body().path("detail").asText().contains("is leased")) {
                            return false;
                        }
                        RestApi.expect(answer, 201);
                        return true;
                    })
                    .body()
                    .get("id")
                    .asText();
            JsonNode cancelled = RestApi.ok(inventory.send(
                    "POST", "/resize-jobs/" + jobId + "/cancel", Roles.OPERATOR, RestApi.JSON.createObjectNode()));
            assertThat(cancelled.get("state").asText()).isEqualTo("CANCELLED");

            worker = fleet.worker(hostId, inventoryService, uri);
            Decoded.Event failedAtLease = progress.readNext(
                    event -> event.payload() instanceof JobFailed failed
                            && failed.getJobId().equals(jobId),
                    Fleet.WAIT);
            JobFailed failed = (JobFailed) failedAtLease.payload();
            assertThat(failed.getStep()).isEqualTo("lease");
            assertThat(failed.getReason()).contains("cancelled");
            assertThat(failed.getRolledBack()).isTrue();
            assertThat(RestApi.ok(inventory.get("/resize-jobs/" + jobId))
                            .get("state")
                            .asText())
                    .isEqualTo("CANCELLED");
        }
        assertThat(Commands.run("sha256sum", image.toString()).split(" ")[0])
                .as("the image as it was")
                .isEqualTo(before);
    }

    // ---- the examples' fleet ----------------------------------------------------------------------------------

    private static ObjectNode resizeBatch() {
        ObjectNode body = RestApi.JSON.createObjectNode();
        body.putArray("vms").add(Example6.VM);
        return body;
    }

    private static void pool(String name, int number) {
        String id = String.format(Locale.ROOT, "e%d000000-0000-4000-9000-000000000001", number);
        pools.put(name, new Pool(name, id, shared.resolve("datastores").resolve(name)));
    }

    private static void vm(int example, int index, long designatedBytes) throws Exception {
        Pool pool = pools.get("ex" + example);
        String id = String.format(Locale.ROOT, "e%d000000-0000-4000-8000-%012d", example, index + 1);
        RealVm vm = RealVm.create(
                id,
                String.format(Locale.ROOT, "ex%d-vm%d", example, index + 1),
                pool.directory(),
                designatedBytes,
                shared);
        vms.add(vm);
        placed.put(vm, pool);
    }

    private static List<RealVm> on(Pool pool) {
        return vms.stream().filter(vm -> placed.get(vm).equals(pool)).toList();
    }

    /** Writes the host: each datastore with its images as they are now, each VM running, the shut-off one. */
    private static String writeHost() {
        HostFile host = new HostFile();
        for (Pool pool : pools.values()) {
            List<HostFile.Volume> volumes =
                    new ArrayList<>(on(pool).stream().map(RealVm::volume).toList());
            if (pool.equals(e6)) {
                volumes.add(Example6.volume(pool.directory()));
            }
            host.pool(pool.name(), pool.id(), pool.directory().toString(), volumes.toArray(HostFile.Volume[]::new));
        }
        for (RealVm vm : vms) {
            host.domain(vm.name, vm.id, true, vm.hostDisk());
        }
        host.domain("ex6-vm1", Example6.VM, false, Example6.disk(e6.directory()));
        return host.writeTo(shared.resolve("host.xml"));
    }

    private static void refresh() {
        RestApi.ok(inventory.send("POST", "/discovery/refresh", Roles.OPERATOR, RestApi.JSON.createObjectNode()));
    }

    private static void profile(String name, double minFree, double desiredFree) {
        RestApi.Answer answer = inventory.send(
                "PUT",
                "/profiles/" + name,
                Roles.OPERATOR,
                RestApi.JSON.createObjectNode().put("minFreeRatio", minFree).put("desiredFreeRatio", desiredFree));
        assertThat(answer.status()).as(answer.body().toString()).isIn(200, 201);
    }

    /** The datastore keeps capacity − reserve = {@code limitBytes} (the test host's pools all hold 100 GiB). */
    private static void policy(Pool pool, long limitBytes) {
        await().atMost(Fleet.WAIT)
                .until(() -> budgets.get("/datastores/" + pool.id()).status() == 200);
        RestApi.ok(budgets.send(
                "PUT",
                "/datastores/" + pool.id() + "/policy",
                Roles.OPERATOR,
                RestApi.JSON
                        .createObjectNode()
                        .put("mode", "strict")
                        .put("reserveBytes", HostFile.POOL_CAPACITY - limitBytes)));
        assertThat(budgets.datastore(pool.id()).get("limitBytes").asLong()).isEqualTo(limitBytes);
    }

    private static JsonNode disk(RealVm vm) {
        return budgets.disk(vm.diskId());
    }

    private static long applied(JsonNode disk) {
        return disk.get("ballasts").get(0).get("appliedBytes").asLong();
    }

    private static long floorMib(long bytes) {
        return Math.floorDiv(bytes, MIB) * MIB;
    }

    private static Map<String, JsonNode> reportRows(Pool pool) {
        Map<String, JsonNode> rows = new TreeMap<>();
        JsonNode report = RestApi.ok(inventory.get("/reports/vms?datastore=" + pool.id() + "&limit=100"));
        for (JsonNode row : report.get("rows")) {
            rows.put(row.get("diskId").asText(), row);
        }
        return rows;
    }

    private static void stopAgents(List<RealVm> guests) {
        guests.forEach(RealVm::stopAgent);
    }

    private static void awaitSettled(String what, Pool pool, List<RealVm> guests) throws Exception {
        awaitSettled(what, pool, guests, () -> true);
    }

    /**
     * Waits until every guest's ballast is where the service wants it (agent online, no command or reclaim in flight,
     * the file inside the guest of the applied size) and {@code also} holds; the invariant holds at every look. Then
     * checks that no command generation was sent with two sizes and that no decision broke the invariant.
     */
    private static void awaitSettled(String what, Pool pool, List<RealVm> guests, Callable<Boolean> also)
            throws Exception {
        try {
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(500)).until(() -> {
                JsonNode datastore = budgets.datastore(pool.id());
                if (datastore.get("invariantHolds").asBoolean()) {
                    withinLimit.add(pool.name());
                } else {
                    // overcommitted disks count whole until their agents report and their ballasts are inflated; once
                    // within its limit a datastore never leaves it
                    assertThat(withinLimit)
                            .as(
                                    "the invariant of %s holds at every look since it first held: %s",
                                    pool.name(), datastore)
                            .doesNotContain(pool.name());
                    return false;
                }
                for (RealVm vm : guests) {
                    JsonNode disk = disk(vm);
                    if (!disk.get("agentOnline").asBoolean()
                            || !disk.get("state").asText().equals("STEADY")
                            || disk.get("ballasts").isEmpty()
                            || disk.get("unreclaimedBytes").asLong() != 0
                            || applied(disk) != vm.ballastFileBytes()) {
                        return false;
                    }
                }
                return also.call();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder state = new StringBuilder(what + " did not happen within " + SETTLE.toSeconds() + " s\n");
            state.append("datastore: ").append(budgets.datastore(pool.id())).append('\n');
            for (RealVm vm : guests) {
                state.append(vm.name).append(": ").append(disk(vm)).append('\n');
            }
            String log = reservation.program().log();
            state.append("--- reservation-service:\n").append(log, Math.max(0, log.length() - 8000), log.length());
            throw new AssertionError(state.toString(), e);
        }
        assertThat(Fleet.metric(reservation.httpPort(), "ballast_invariant_violations_total", Map.of()))
                .isZero();
        oneSizePerGeneration();
    }

    /** Every command generation seen so far carries one size: resent at most, never changed or doubled. */
    private static void oneSizePerGeneration() {
        for (Decoded.Event event : commands.readFor(Duration.ofMillis(500))) {
            if (event.payload() instanceof SetBallastSize command) {
                examined.add(command.getVmId() + "/" + command.getDiskId() + "/" + command.getMountPoint() + "/"
                        + command.getGeneration() + "=" + command.getTargetBytes());
            }
        }
        Map<String, List<String>> sizes = examined.stream()
                .distinct()
                .collect(Collectors.groupingBy(line -> line.substring(0, line.indexOf('='))));
        sizes.forEach((generation, seen) ->
                assertThat(seen).as("generation %s is one command", generation).hasSize(1));
    }

    /** The shut-off VM of example 6 and its image. */
    static final class Example6 {

        static final String VM = "e6000000-0000-4000-8000-000000000001";
        private static final long P1_SECTORS = 10 * GIB / 512;
        private static final long P2_START = 63 + P1_SECTORS + 1000;
        private static final long P3_START = P2_START + GIB / 512 + 7;
        /** What of the disk lies after its last partition, which no partition table entry holds. */
        static final long TAIL_BYTES = 12 * GIB - P3_START * 512 - 512 * MIB;

        private static final String NAME = "ex6-vm1.img";
        private static Map<String, String> sums;

        static Path image(Path datastore) {
            return datastore.resolve(NAME);
        }

        static HostFile.Disk disk(Path datastore) {
            return HostFile.disk("vda", image(datastore).toString(), "raw", "ex6-root");
        }

        static HostFile.Volume volume(Path datastore) {
            return new HostFile.Volume(NAME, 12 * GIB, RealVm.allocatedBytes(image(datastore)), "raw");
        }

        /**
         * A 12 GiB disk: a 10 GiB ext4 partition off any boundary (sector 63) of which 2 GiB are used as the
         * filesystem counts its blocks (its own tables, some real files and an allocated one), a 1 GiB ext4 partition
         * after it with data, then swap.
         */
        static void make(Path datastore, Path work) throws Exception {
            Files.createDirectories(datastore);
            String script = "label: dos\n"
                    + "start=63, size=" + P1_SECTORS + ", type=83\n"
                    + "start=" + P2_START + ", size=" + (GIB / 512) + ", type=83\n"
                    + "start=" + P3_START + ", size=" + (512 * MIB / 512) + ", type=82\n";
            try (LoopDisk disk = LoopDisk.create(datastore, 12 * GIB, script)) {
                Path first = disk.mountExt4(1, work);
                for (int i = 0; i < 8; i++) {
                    Commands.run(
                            "dd",
                            "if=/dev/urandom",
                            "of=" + first.resolve("file-" + i),
                            "bs=1M",
                            "count=1",
                            "status=none");
                }
                Path second = disk.mountExt4(2, work);
                Commands.run(
                        "dd", "if=/dev/urandom", "of=" + second.resolve("data"), "bs=1M", "count=4", "status=none");
                Commands.run("mkswap", disk.partition(3).toString());
                disk.unmount(first);
                long used = usedBytes(disk.partition(1));
                first = disk.mount(1, work);
                Commands.run(
                        "fallocate",
                        "-l",
                        Long.toString(2 * GIB - used - 64 * 1024),
                        first.resolve("database").toString());
                Commands.run("sync");
                sums = new TreeMap<>(sums(first, "first"));
                sums.putAll(sums(second, "second"));
                disk.unmount(first);
                disk.unmount(second);
                Files.move(disk.keep(), image(datastore));
            }
        }

        /**
         * The disk after the resize: its files as they were, both filesystems clean, the partitions after the first
         * on 1 MiB boundaries.
         */
        static void check(Path datastore, Path work) throws Exception {
            try (LoopDisk disk = LoopDisk.attach(image(datastore))) {
                disk.keep();
                Commands.run("e2fsck", "-fn", disk.partition(1).toString());
                Commands.run("e2fsck", "-fn", disk.partition(2).toString());
                for (int partition : List.of(2, 3)) {
                    assertThat(disk.partitionStartBytes(partition) % MIB)
                            .as("partition %d aligned", partition)
                            .isZero();
                }
                assertThat(disk.partitionStartBytes(2)).as("moved left").isLessThan(63 * 512 + 7 * GIB);
                Path first = disk.mount(1, work, "ro");
                Path second = disk.mount(2, work, "ro");
                Map<String, String> after = new TreeMap<>(sums(first, "first"));
                after.putAll(sums(second, "second"));
                assertThat(after).isEqualTo(sums);
            }
        }

        /** The blocks an unmounted ext4 filesystem uses, its own tables included, as its superblock counts them. */
        private static long usedBytes(Path partition) {
            Map<String, Long> fields = new TreeMap<>();
            for (String line :
                    Commands.run("dumpe2fs", "-h", partition.toString()).lines().toList()) {
                String[] field = line.split(":\\s+", 2);
                if (field.length == 2 && field[1].strip().matches("\\d+")) {
                    fields.put(field[0], Long.parseLong(field[1].strip()));
                }
            }
            return (fields.get("Block count") - fields.get("Free blocks")) * fields.get("Block size");
        }

        private static Map<String, String> sums(Path mount, String prefix) throws Exception {
            Map<String, String> sums = new TreeMap<>();
            try (var files = Files.list(mount)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    sums.put(
                            prefix + "/" + file.getFileName(),
                            Commands.run("sha256sum", file.toString()).split(" ")[0]);
                }
            }
            return sums;
        }
    }
}
