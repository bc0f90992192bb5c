package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.local.launch.Commands;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.BallastFailure;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.inventory.v1.VirtualDisk;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.Filefrag;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ballast loop with the real programs: a guest disk (a partitioned image attached as a loop device, ext4 mounted
 * on it, its blocks backed), the packaged guest agent on it, the packaged gateway and resize worker, the real broker.
 * The test plays the reservation service: it publishes commands and reclaim jobs and reads acks, usage and
 * progress. Each test speaks for its own VM, since the gateway keeps commands across tests.
 */
class BallastLoopTest {

    private static final long MIB = 1 << 20;
    private static final Duration WAIT = Fleet.WAIT;
    private static final String HOST = "loop-test-host";

    @TempDir
    static Path shared;

    private static Fleet fleet;
    private static Fleet.Gateway gateway;

    @TempDir
    Path temp;

    private LoopDisk disk;
    private Path mount;
    private Program agent;

    @BeforeAll
    static void services() throws Exception {
        fleet = new Fleet(shared, 6);
        gateway = fleet.gateway("loop-test");
        fleet.worker(HOST);
    }

    @AfterAll
    static void stopServices() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @BeforeEach
    void guestDisk() throws Exception {
        disk = LoopDisk.create(temp, 512 * MIB, "label: gpt\nstart=2048, size=65536\nstart=69632\n");
        mount = disk.mountExt4(2, temp);
        Commands.run("dd", "if=/dev/urandom", "of=" + mount.resolve("keep"), "bs=1M", "count=16", "status=none");
        LoopDisk.backFreeBlocks(mount);
    }

    @AfterEach
    void cleanUp(TestInfo test) {
        if (agent != null) {
            agent.close();
        }
        disk.close();
    }

    @Test
    void aCommandSetsTheBallastItsExtentsAreExactAndTheHostReclaimsThem() throws Exception {
        String vm = "vm-1";
        try (EventTap acks = fleet.tap(Topic.BALLAST_ACKS);
                EventTap usage = fleet.tap(Topic.GUEST_TELEMETRY);
                EventTap progress = fleet.tap(Topic.WORKER_PROGRESS)) {
            agent = startAgent(vm);
            String keep = Commands.run("sha256sum", mount.resolve("keep").toString());

            fleet.publishCommand(Fleet.command(vm, diskId(), mount, 1, 96 * MIB));
            BallastApplied applied = Fleet.awaitAck(acks, vm, 1, BallastApplied.class);

            assertThat(applied.getActualBytes()).isEqualTo(96 * MIB);
            List<Extent> expected = Filefrag.diskRanges(mount.resolve(".ballast"), disk.partitionStartBytes(2)).stream()
                    .map(r -> Extent.newBuilder()
                            .setDiskOffsetBytes(r.offsetBytes())
                            .setLengthBytes(r.lengthBytes())
                            .build())
                    .toList();
            assertThat(applied.getExtents().getExtentsList()).isEqualTo(expected);
            usage.readUntil(
                    e -> e.payload() instanceof UsageReported report
                            && report.getVmId().equals(vm)
                            && report.getFilesystems(0).getBallastBytes() == 96 * MIB,
                    WAIT);

            long allocatedBefore = allocated(disk.image());
            ReclaimJob job = ReclaimJob.newBuilder()
                    .setJobId(UUID.randomUUID().toString())
                    .setVmId(vm)
                    .setDiskId(diskId())
                    .setGeneration(applied.getGeneration())
                    .addAllExtents(applied.getExtents().getExtentsList())
                    .setHostId(HOST)
                    .setImagePath(disk.image().toString())
                    .build();
            fleet.publish(Topic.WORKER_JOBS, diskId(), job);
            var events = progress.readUntil(finishedOrFailed(job.getJobId()), WAIT);
            assertThat(events.getLast().payload()).isInstanceOfSatisfying(JobFinished.class, finished -> assertThat(
                            finished.getReclaim().getBackedBeforeBytes()
                                    - finished.getReclaim().getBackedAfterBytes())
                    .isBetween(80 * MIB, 96 * MIB));
            assertThat(allocatedBefore - allocated(disk.image())).isBetween(80 * MIB, 96 * MIB);

            agent.close();
            Commands.run("sh", "-c", "echo 3 > /proc/sys/vm/drop_caches");
            assertThat(Commands.run("sha256sum", mount.resolve("keep").toString()))
                    .isEqualTo(keep);
            disk.unmount(mount);
            Commands.run("e2fsck", "-fn", disk.partition(2).toString());
        }
    }

    @Test
    void deflateAndReinflateAcrossAnAgentRestartWithStaleGenerationsIgnored() throws Exception {
        String vm = "vm-2";
        try (EventTap acks = fleet.tap(Topic.BALLAST_ACKS)) {
            agent = startAgent(vm);
            fleet.publishCommand(Fleet.command(vm, diskId(), mount, 1, 128 * MIB));
            Fleet.awaitAck(acks, vm, 1, BallastApplied.class);

            agent.close();
            fleet.publishCommand(Fleet.command(vm, diskId(), mount, 2, 16 * MIB));
            agent = startAgent(vm);
            assertThat(Fleet.awaitAck(acks, vm, 2, BallastApplied.class).getActualBytes())
                    .isEqualTo(16 * MIB);
            assertThat(Files.size(mount.resolve(".ballast"))).isEqualTo(16 * MIB);

            fleet.publishCommand(Fleet.command(vm, diskId(), mount, 1, 200 * MIB));
            fleet.publishCommand(Fleet.command(vm, diskId(), mount, 3, 64 * MIB));
            assertThat(Fleet.awaitAck(acks, vm, 3, BallastApplied.class).getActualBytes())
                    .isEqualTo(64 * MIB);
            assertThat(acks.readUntil(Fleet.ackOf(vm, 3), WAIT))
                    .as("the stale generation 1 was never applied again")
                    .filteredOn(e -> e.envelope().getSubjectId().equals(Topic.vmDiskKey(vm, diskId())))
                    .extracting(e -> ((BallastApplied) e.payload()).getGeneration())
                    .containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void aDeletedBallastIsRecreatedAndReported() throws Exception {
        String vm = "vm-3";
        try (EventTap acks = fleet.tap(Topic.BALLAST_ACKS)) {
            agent = startAgent(vm);
            fleet.publishCommand(Fleet.command(vm, diskId(), mount, 1, 48 * MIB));
            Fleet.awaitAck(acks, vm, 1, BallastApplied.class);

            Files.delete(mount.resolve(".ballast"));

            var events = acks.readUntil(
                    e -> e.payload() instanceof BallastApplied a && a.getVmId().equals(vm) && a.getRecreated(), WAIT);
            BallastApplied recreated = (BallastApplied) events.getLast().payload();
            assertThat(recreated.getGeneration()).isEqualTo(1);
            assertThat(recreated.getActualBytes()).isEqualTo(48 * MIB);
            assertThat(Files.size(mount.resolve(".ballast"))).isEqualTo(48 * MIB);
        }
    }

    @Test
    void anInflateWithoutRoomFailsWithTheFreeBytesSeen() throws Exception {
        String vm = "vm-4";
        try (EventTap acks = fleet.tap(Topic.BALLAST_ACKS)) {
            agent = startAgent(vm);
            fleet.publishCommand(Fleet.command(vm, diskId(), mount, 1, 4096 * MIB));

            BallastFailed failed = Fleet.awaitAck(acks, vm, 1, BallastFailed.class);
            assertThat(failed.getFailure()).isEqualTo(BallastFailure.BALLAST_FAILURE_NO_SPACE);
            assertThat(failed.getActualBytes()).isZero();
            assertThat(failed.getFreeBytesSeen()).isBetween(300 * MIB, 450 * MIB);
        }
    }

    @Test
    void anAgentWithAnotherVmsCertificateIsRefused() throws Exception {
        fleet.publish(
                Topic.INVENTORY,
                diskId(),
                VirtualDiskUpserted.newBuilder()
                        .setDisk(VirtualDisk.newBuilder().setDiskId(diskId()).setVmId("vm-5"))
                        .build());
        long refusedBefore = refused("disk");

        agent = fleet.launchAgent("vm-6", gateway, mount, temp.resolve("agent-state"));

        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(refused("disk"))
                .isGreaterThan(refusedBefore));
        agent.awaitOutput("PERMISSION_DENIED", WAIT);
    }

    private Program startAgent(String vm) throws Exception {
        return fleet.startAgent(vm, gateway, mount, temp.resolve("agent-state"));
    }

    private static long refused(String reason) throws Exception {
        return (long)
                Fleet.metric(gateway.httpPort(), "ballast_gateway_identity_refused_total", Map.of("reason", reason));
    }

    private String diskId() {
        return disk.image().toString();
    }

    private static Predicate<Decoded.Event> finishedOrFailed(String jobId) {
        return event -> event.envelope().getSubjectId().equals(jobId)
                && (event.payload() instanceof JobFinished || event.payload() instanceof JobFailed);
    }

    private static long allocated(Path file) {
        return Long.parseLong(Commands.run("stat", "-c", "%b", file.toString()).strip()) * 512;
    }
}
