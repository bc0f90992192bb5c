package io.ballast.worker.reclaim.events;

import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.proto.worker.v1.ReclaimResult;
import io.ballast.worker.config.WorkerConfig;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.jobs.JobStep;
import io.ballast.worker.jobs.events.ProgressEvents;
import io.ballast.worker.reclaim.Reclaimer;
import io.ballast.worker.reclaim.store.ReclaimOutcomes;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs the reclaim jobs addressed to this host: punches the ballast's extents out of the disk's backing image and
 * reports started, progress and finished (or failed, saying whether the image is unchanged) on
 * {@code ballast.worker.progress.v1}.
 */
@ApplicationScoped
public class ReclaimJobs {

    private static final Logger LOG = Logger.getLogger(ReclaimJobs.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ProgressEvents progress;
    private final WorkerConfig config;
    private final ReclaimOutcomes outcomes;
    private final Reclaimer reclaimer = new Reclaimer();

    ReclaimJobs(ProgressEvents progress, WorkerConfig config, ReclaimOutcomes outcomes) {
        this.progress = progress;
        this.config = config;
        this.outcomes = outcomes;
    }

    /** Runs the job if it is this host's; blocks until it is done and its outcome is published. */
    public void run(ReclaimJob job) {
        if (!job.getHostId().equals(config.hostId())) {
            LOG.debugf("skipped job=%s host=%s (this is %s)", job.getJobId(), job.getHostId(), config.hostId());
            return;
        }
        String jobId = job.getJobId();
        if (jobId.isBlank()) {
            LOG.warnf("refused a reclaim job without job id disk=%s", job.getDiskId());
            return;
        }
        Optional<com.google.protobuf.Message> answered = outcomes.find(jobId);
        if (answered.isPresent()) {
            // the reservation may have given these ranges back to the guest since its first answer: never again
            LOG.infof("reclaim answered before job=%s disk=%s action=answer-again", jobId, job.getDiskId());
            publish(jobId, answered.get());
            return;
        }
        publish(
                jobId,
                JobStarted.newBuilder()
                        .setJobId(jobId)
                        .setKind(JobKind.JOB_KIND_RECLAIM)
                        .setDiskId(job.getDiskId())
                        .setWorkerHost(config.hostId())
                        .build());
        if (job.getImagePath().isBlank() || job.getExtentsCount() == 0) {
            fail(job, JobStep.CHECK, "the job names no image or no extents", true);
            return;
        }
        List<ByteRange> ranges = new ArrayList<>();
        for (Extent extent : job.getExtentsList()) {
            if (extent.getLengthBytes() <= 0
                    || extent.getDiskOffsetBytes() < 0
                    || extent.getDiskOffsetBytes() > Long.MAX_VALUE - extent.getLengthBytes()) {
                fail(
                        job,
                        JobStep.CHECK,
                        "extent at " + extent.getDiskOffsetBytes() + " of " + extent.getLengthBytes()
                                + " bytes is not a byte range",
                        true);
                return;
            }
            ranges.add(ByteRange.ofLength(extent.getDiskOffsetBytes(), extent.getLengthBytes()));
        }
        long[] lastProgress = {System.nanoTime()};
        try {
            var result = reclaimer.reclaim(Path.of(job.getImagePath()), ranges, (done, total) -> {
                long now = System.nanoTime();
                if (done == total || now - lastProgress[0] >= PROGRESS_INTERVAL_NANOS) {
                    lastProgress[0] = now;
                    publish(
                            jobId,
                            JobProgress.newBuilder()
                                    .setJobId(jobId)
                                    .setStep(JobStep.PUNCH.wireName())
                                    .setBytesDone(done)
                                    .setBytesTotal(total)
                                    .build());
                }
            });
            answer(
                    jobId,
                    job.getDiskId(),
                    JobFinished.newBuilder()
                            .setJobId(jobId)
                            .setReclaim(ReclaimResult.newBuilder()
                                    .setBackedBeforeBytes(result.backedBeforeBytes())
                                    .setBackedAfterBytes(result.backedAfterBytes())
                                    .setBackedInRangesBeforeBytes(result.backedInRangesBeforeBytes())
                                    .setTamperedBytes(
                                            job.getPreviouslyReclaimed() ? result.backedInRangesBeforeBytes() : 0))
                            .build());
            LOG.infof(
                    "reclaimed job=%s disk=%s image=%s freed=%d tampered=%d",
                    jobId,
                    job.getDiskId(),
                    job.getImagePath(),
                    result.freedBytes(),
                    job.getPreviouslyReclaimed() ? result.backedInRangesBeforeBytes() : 0);
        } catch (ImageException e) {
            fail(job, JobStep.CHECK, e.getMessage(), true);
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "reclaim failed job=%s image=%s step=punch", jobId, job.getImagePath());
            fail(job, JobStep.PUNCH, e.getMessage(), false);
        }
    }

    private void fail(ReclaimJob job, JobStep step, String reason, boolean unchanged) {
        String jobId = job.getJobId();
        LOG.warnf("reclaim failed job=%s step=%s rolled_back=%b reason=%s", jobId, step.wireName(), unchanged, reason);
        answer(
                jobId,
                job.getDiskId(),
                JobFailed.newBuilder()
                        .setJobId(jobId)
                        .setStep(step.wireName())
                        .setReason(reason)
                        .setRolledBack(unchanged)
                        .build());
    }

    /** Records the job's answer, then sends it: a job is answered once, and the same way if it comes back. */
    private void answer(String jobId, String diskId, com.google.protobuf.Message outcome) {
        outcomes.record(jobId, diskId, outcome);
        publish(jobId, outcome);
    }

    private void publish(String jobId, com.google.protobuf.Message event) {
        progress.publish(jobId, event);
    }
}
