package io.ballast.worker.scan.events;

import io.ballast.proto.worker.v1.ImageResult;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.ScanJob;
import io.ballast.worker.client.ServedHosts;
import io.ballast.worker.config.WorkerConfig;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.jobs.JobStep;
import io.ballast.worker.jobs.events.ProgressEvents;
import io.ballast.worker.scan.ImageScan;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/** Scan jobs addressed to a host this worker serves: the image's layout, read only, reported as the job's result. */
@ApplicationScoped
public class ScanJobs {

    private static final Logger LOG = Logger.getLogger(ScanJobs.class);

    private final ProgressEvents progress;
    private final WorkerConfig config;
    private final ServedHosts hosts;

    ScanJobs(ProgressEvents progress, WorkerConfig config, ServedHosts hosts) {
        this.progress = progress;
        this.config = config;
        this.hosts = hosts;
    }

    public void run(ScanJob job) {
        if (!hosts.serves(job.getHostId()) || job.getJobId().isBlank()) {
            return;
        }
        String jobId = job.getJobId();
        progress.publish(
                jobId,
                JobStarted.newBuilder()
                        .setJobId(jobId)
                        .setKind(JobKind.JOB_KIND_SCAN)
                        .setDiskId(job.getDiskId())
                        .setWorkerHost(config.hostId())
                        .build());
        try {
            if (job.getImagePath().isBlank()) {
                throw new ImageException.Refused("the job names no image");
            }
            ImageScan.Report report = ImageScan.scan(Path.of(job.getImagePath()));
            StringBuilder layout = new StringBuilder(report.scheme() + ", " + report.diskBytes() + " bytes\n");
            for (ImageScan.PartitionReport partition : report.partitions()) {
                layout.append("partition ")
                        .append(partition.number())
                        .append(": start ")
                        .append(partition.startBytes())
                        .append(", size ")
                        .append(partition.sizeBytes())
                        .append(", ")
                        .append(partition.filesystem().label())
                        .append(", aligned to ")
                        .append(partition.alignmentBytes())
                        .append('\n');
            }
            long size = Files.size(Path.of(job.getImagePath()));
            progress.publish(
                    jobId,
                    JobFinished.newBuilder()
                            .setJobId(jobId)
                            .setImage(ImageResult.newBuilder()
                                    .setImageBeforeBytes(size)
                                    .setImageAfterBytes(size)
                                    .setLayout(layout.toString())
                                    .setDiskLayout(LayoutMessages.of(report)))
                            .build());
        } catch (ImageException | IOException e) {
            LOG.warnf("scan failed job=%s step=scan reason=%s", jobId, e.getMessage());
            progress.publish(
                    jobId,
                    JobFailed.newBuilder()
                            .setJobId(jobId)
                            .setStep(JobStep.SCAN.wireName())
                            .setReason(e.getMessage())
                            .setRolledBack(true)
                            .build());
        }
    }
}
