package io.ballast.inventory;

import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.DiskLayout;
import io.ballast.proto.worker.v1.ImageResult;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.PartitionLayout;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.proto.worker.v1.ScanJob;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * The resize worker as inventory sees it on the real broker: the jobs it is sent, and the progress it answers with.
 * Tests drive it message by message; the contract tests run the real worker.
 */
public final class SimulatedWorker implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final EventTap jobs;
    private final EventProducer progress;

    public SimulatedWorker(String bootstrapServers) {
        jobs = EventTap.fromNow(bootstrapServers, Topic.WORKER_JOBS);
        progress = EventProducer.connect(bootstrapServers, "resize-worker");
    }

    /** The jobs sent from now on. */
    public EventTap jobs() {
        return jobs;
    }

    public EventProducer progress() {
        return progress;
    }

    /** The next scan job sent. */
    public ScanJob nextScan() {
        return jobs.readNext(event -> event.payloadAs(ScanJob.class).isPresent(), WAIT)
                .payloadAs(ScanJob.class)
                .orElseThrow();
    }

    /** The next resize job sent. */
    public ResizeJob nextResize() {
        return jobs.readNext(event -> event.payloadAs(ResizeJob.class).isPresent(), WAIT)
                .payloadAs(ResizeJob.class)
                .orElseThrow();
    }

    /** Starts a job on {@code host}. */
    public void start(String jobId, JobKind kind, String diskId, String host) {
        progress.publish(
                Topic.WORKER_PROGRESS,
                jobId,
                JobStarted.newBuilder()
                        .setJobId(jobId)
                        .setKind(kind)
                        .setDiskId(diskId)
                        .setWorkerHost(host)
                        .build());
    }

    /** Answers the next scan job: started, then finished with {@code layout}; returns it. */
    public ScanJob answerScan(DiskLayout layout) {
        ScanJob scan = nextScan();
        start(scan.getJobId(), JobKind.JOB_KIND_SCAN, scan.getDiskId(), scan.getHostId());
        finish(
                scan.getJobId(),
                ImageResult.newBuilder()
                        .setImageBeforeBytes(layout.getDiskBytes())
                        .setImageAfterBytes(layout.getDiskBytes())
                        .setLayout(layout.getTable())
                        .setDiskLayout(layout)
                        .build());
        return scan;
    }

    /**
     * Asks inventory for a scan of {@code diskId} over REST, answers it with {@code layout} and waits until inventory
     * shows the layout; returns the scan.
     */
    public ScanJob scanned(String diskId, DiskLayout layout) {
        Api.post("/api/v1/disks/" + diskId + "/scan", Roles.OPERATOR, "").then().statusCode(202);
        ScanJob scan = answerScan(layout);
        Awaitility.await()
                .atMost(WAIT)
                .alias("the layout of " + diskId + " is known")
                .until(() -> Api.read("/api/v1/disks/{id}/layout", diskId).statusCode() == 200);
        return scan;
    }

    /** A layout as a scan reports it. */
    public static DiskLayout layout(String table, long diskBytes, int alignmentStatus, PartitionLayout... partitions) {
        return DiskLayout.newBuilder()
                .setTable(table)
                .setDiskBytes(diskBytes)
                .setAlignmentStatus(alignmentStatus)
                .addAllPartitions(java.util.List.of(partitions))
                .build();
    }

    /** An ext4 partition that uses {@code usedBytes} and shrinks to {@code minimumBytes}. */
    public static PartitionLayout ext4(
            int number, long startBytes, long sizeBytes, long usedBytes, long minimumBytes, long alignmentBytes) {
        return PartitionLayout.newBuilder()
                .setNumber(number)
                .setStartBytes(startBytes)
                .setSizeBytes(sizeBytes)
                .setType("0x83")
                .setFilesystem("ext2/3/4")
                .setUsedBytes(usedBytes)
                .setMinimumBytes(minimumBytes)
                .setAlignmentBytes(alignmentBytes)
                .build();
    }

    /** A swap partition: it says nothing of its use and is never shrunk. */
    public static PartitionLayout swap(int number, long startBytes, long sizeBytes, long alignmentBytes) {
        return PartitionLayout.newBuilder()
                .setNumber(number)
                .setStartBytes(startBytes)
                .setSizeBytes(sizeBytes)
                .setType("0x82")
                .setFilesystem("swap")
                .setAlignmentBytes(alignmentBytes)
                .build();
    }

    /** Fails a job at {@code step}, rolled back: the disk is as it was. */
    public void fail(String jobId, String step, String reason) {
        progress.publish(
                Topic.WORKER_PROGRESS,
                jobId,
                io.ballast.proto.worker.v1.JobFailed.newBuilder()
                        .setJobId(jobId)
                        .setStep(step)
                        .setReason(reason)
                        .setRolledBack(true)
                        .build());
    }

    public void finish(String jobId, ImageResult result) {
        progress.publish(
                Topic.WORKER_PROGRESS,
                jobId,
                JobFinished.newBuilder().setJobId(jobId).setImage(result).build());
    }

    @Override
    public void close() {
        jobs.close();
        progress.close();
    }
}
