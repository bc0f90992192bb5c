package io.ballast.reservation.budget.rest;

import io.ballast.proto.alerts.v1.BudgetAlert;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.ballast.v1.ExtentList;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.proto.worker.v1.ReclaimResult;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InventoryEvents;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The reservation service's peers as their events on the real broker: inventory describing a fleet, each guest's
 * agent reporting its one filesystem and acknowledging commands (its ballast at the end of the disk), the worker
 * answering reclaim jobs. The agents, gateway and worker themselves run in the contract tests; here the service is
 * driven through exactly the messages they send.
 */
public final class ServiceFleet implements AutoCloseable {

    public static final long GIB = 1L << 30;
    public static final Duration WAIT = Duration.ofSeconds(30);

    private final EventProducer inventoryProducer;
    private final InventoryEvents inventory;
    private final EventProducer gateway;
    private final EventProducer worker;
    final EventTap commands;
    final EventTap jobs;
    final EventTap alerts;
    private final Map<String, Long> utilized = new HashMap<>();
    private final Map<String, Long> designated = new HashMap<>();
    private final Map<String, Long> ballast = new HashMap<>();

    public ServiceFleet(String bootstrapServers) {
        inventoryProducer = EventProducer.connect(bootstrapServers, "inventory-service");
        inventory = new InventoryEvents(inventoryProducer);
        gateway = EventProducer.connect(bootstrapServers, "guest-gateway");
        worker = EventProducer.connect(bootstrapServers, "resize-worker");
        commands = EventTap.fromNow(bootstrapServers, Topic.BALLAST_COMMANDS);
        jobs = EventTap.fromNow(bootstrapServers, Topic.WORKER_JOBS);
        alerts = EventTap.fromNow(bootstrapServers, Topic.ALERTS);
    }

    public void datastore(String id, long capacityBytes) {
        inventory.datastore(id, capacityBytes, Path.of("/datastores", id));
    }

    void profile(String name, double minFree, double desiredFree, int priority) {
        inventory.profile(name, minFree, desiredFree, priority);
    }

    /** A VM with one raw disk whose serial is {@code disk}'s id with {@code ser-} before it. */
    public void vmWithDisk(String vm, String disk, String datastore, long designatedBytes, String profile) {
        inventory.vm(vm, "host-1", profile);
        inventory.rawDisk(
                disk, vm, datastore, Path.of("/datastores", datastore, disk + ".img"), designatedBytes, serial(disk));
        designated.put(disk, designatedBytes);
        ballast.put(disk, 0L);
    }

    void diskRemoved(String disk) {
        inventory.diskRemoved(disk);
    }

    static String serial(String disk) {
        return "ser-" + disk;
    }

    /** The name the guest gives the disk: its /dev/disk/by-id name, which ends in the serial. */
    static String guestName(String disk) {
        return "virtio-" + serial(disk);
    }

    /** The agent of {@code vm} reports its disk's one filesystem, {@code utilizedBytes} used. */
    public void report(String vm, String disk, long utilizedBytes) {
        utilized.put(disk, utilizedBytes);
        report(vm, disk);
    }

    void report(String vm, String disk) {
        long held = ballast.get(disk);
        reportAs(vm, disk, guestName(disk), utilized.get(disk), held);
    }

    /**
     * The agent of {@code vm} reports a filesystem it says is on {@code disk}, naming it {@code name}: how a guest
     * would speak for a disk that is not its own.
     */
    void reportAs(String vm, String disk, String name, long utilizedBytes) {
        reportAs(vm, disk, name, utilizedBytes, 0);
    }

    private void reportAs(String vm, String disk, String name, long utilizedBytes, long ballastBytes) {
        long total = designated.get(disk);
        gateway.publish(
                Topic.GUEST_TELEMETRY,
                vm,
                UsageReported.newBuilder()
                        .setVmId(vm)
                        .addFilesystems(FilesystemUsage.newBuilder()
                                .setMountPoint("/")
                                .setDiskId(name)
                                .setTotalBytes(total)
                                .setUtilizedBytes(utilizedBytes)
                                .setFreeBytes(total - utilizedBytes - ballastBytes)
                                .setBallastBytes(ballastBytes))
                        .build());
    }

    /** The agent of {@code vm} acknowledges a ballast on {@code disk}, which is not its own, with its extents. */
    void acknowledgeAs(String vm, String disk, long ballastBytes) {
        long total = designated.get(disk);
        gateway.publish(
                Topic.BALLAST_ACKS,
                Topic.vmDiskKey(vm, guestName(disk)),
                BallastApplied.newBuilder()
                        .setVmId(vm)
                        .setDiskId(guestName(disk))
                        .setMountPoint("/")
                        .setGeneration(1)
                        .setActualBytes(ballastBytes)
                        .setExtents(ExtentList.newBuilder()
                                .addExtents(Extent.newBuilder()
                                        .setDiskOffsetBytes(total - ballastBytes)
                                        .setLengthBytes(ballastBytes)))
                        .build());
    }

    /** The next alert matching {@code matching}. */
    BudgetAlert nextAlert(Predicate<BudgetAlert> matching) {
        return next(alerts, BudgetAlert.class, matching);
    }

    /** No reclaim job for {@code disk} comes within {@code wait}. */
    void assertNoJob(String disk, Duration wait) {
        try {
            ReclaimJob job = next(jobs, ReclaimJob.class, j -> j.getDiskId().equals(disk), wait);
            throw new IllegalStateException("a reclaim job was asked for " + disk + ": " + job);
        } catch (AssertionError expected) {
            // none came
        }
    }

    /** The next command for {@code disk} from now on. */
    SetBallastSize nextCommand(String disk) {
        return next(commands, SetBallastSize.class, c -> c.getDiskId().equals(guestName(disk)));
    }

    /**
     * The next command for {@code disk} that sets its ballast to {@code targetBytes}: commands a newer generation
     * superseded on the way (a plan made before every disk had reported) are passed over, as the agent would.
     */
    SetBallastSize nextCommand(String disk, long targetBytes) {
        return next(
                commands,
                SetBallastSize.class,
                c -> c.getDiskId().equals(guestName(disk)) && c.getTargetBytes() == targetBytes);
    }

    /** The agent applies {@code command}: its ballast is the disk's last {@code targetBytes}. */
    void apply(String vm, String disk, SetBallastSize command) {
        long total = designated.get(disk);
        long target = command.getTargetBytes();
        ballast.put(disk, target);
        BallastApplied.Builder ack = BallastApplied.newBuilder()
                .setVmId(vm)
                .setDiskId(command.getDiskId())
                .setMountPoint(command.getMountPoint())
                .setGeneration(command.getGeneration())
                .setActualBytes(target)
                .setAllocatedBytes(target);
        ExtentList.Builder extents = ExtentList.newBuilder();
        if (target > 0) {
            extents.addExtents(
                    Extent.newBuilder().setDiskOffsetBytes(total - target).setLengthBytes(target));
        }
        gateway.publish(
                Topic.BALLAST_ACKS,
                Topic.vmDiskKey(vm, command.getDiskId()),
                ack.setExtents(extents).build());
    }

    /** The next reclaim job for {@code disk} from now on. */
    ReclaimJob nextJob(String disk) {
        return next(jobs, ReclaimJob.class, j -> j.getDiskId().equals(disk));
    }

    /** The worker punched the job's ranges; the guest wrote nothing back into them. */
    void finish(ReclaimJob job) {
        worker.publish(
                Topic.WORKER_PROGRESS,
                job.getJobId(),
                JobFinished.newBuilder()
                        .setJobId(job.getJobId())
                        .setReclaim(ReclaimResult.newBuilder().setTamperedBytes(0))
                        .build());
    }

    /**
     * Answers every command and reclaim job for {@code vmByDisk}'s disks (agents applying, the worker punching) until
     * none has come for two seconds, then has each agent report: the datastore at rest.
     */
    void settle(Map<String, String> vmByDisk) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("commands and jobs kept coming for " + WAIT.toSeconds() + " s");
            }
            Optional<SetBallastSize> command =
                    poll(commands, SetBallastSize.class, c -> vmByDisk.containsKey(diskOf(c.getDiskId())));
            if (command.isPresent()) {
                String disk = diskOf(command.get().getDiskId());
                apply(vmByDisk.get(disk), disk, command.get());
                quietSince = System.nanoTime();
                continue;
            }
            Optional<ReclaimJob> job = poll(jobs, ReclaimJob.class, j -> vmByDisk.containsKey(j.getDiskId()));
            if (job.isPresent()) {
                finish(job.get());
                quietSince = System.nanoTime();
            }
        }
        vmByDisk.forEach((disk, vm) -> report(vm, disk));
    }

    private static String diskOf(String guestName) {
        return guestName.startsWith("virtio-ser-") ? guestName.substring("virtio-ser-".length()) : guestName;
    }

    private static <T extends com.google.protobuf.Message> Optional<T> poll(
            EventTap tap, Class<T> type, Predicate<T> matching) {
        try {
            return Optional.of(next(tap, type, matching, Duration.ofMillis(300)));
        } catch (AssertionError none) {
            return Optional.empty();
        }
    }

    /** The first event of {@code type} matching {@code matching} that this fleet has not taken before. */
    private static <T extends com.google.protobuf.Message> T next(EventTap tap, Class<T> type, Predicate<T> matching) {
        return next(tap, type, matching, WAIT);
    }

    private static <T extends com.google.protobuf.Message> T next(
            EventTap tap, Class<T> type, Predicate<T> matching, Duration wait) {
        return tap.readNext(event -> event.payloadAs(type).filter(matching).isPresent(), wait)
                .payloadAs(type)
                .orElseThrow();
    }

    @Override
    public void close() {
        commands.close();
        jobs.close();
        alerts.close();
        inventoryProducer.close();
        gateway.close();
        worker.close();
    }
}
