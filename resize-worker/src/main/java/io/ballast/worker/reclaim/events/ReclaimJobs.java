package io.ballast.worker.reclaim.events;

import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.proto.worker.v1.ReclaimResult;
import io.ballast.worker.client.ServedHosts;
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
 * Runs the reclaim jobs addressed to the hosts this worker serves: punches the ballast's extents out of the disk's backing image and
 * reports started, progress and finished (or failed, saying whether the image is unchanged) on
 * {@code ballast.worker.progress.v1}.
 */
@ApplicationScoped
public class ReclaimJobs {

    private static final Logger LOG = Logger.getLogger(ReclaimJobs.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ProgressEvents progress;
    private final WorkerConfig config;
    private final ServedHosts hosts;
    private final ReclaimOutcomes outcomes;
    private final Reclaimer reclaimer = new Reclaimer();

    ReclaimJobs(ProgressEvents progress, WorkerConfig config, ServedHosts hosts, ReclaimOutcomes outcomes) {
        this.progress = progress;
        this.config = config;
        this.hosts = hosts;
        this.outcomes = outcomes;
    }

    /** Runs the job if its host is served here; blocks until it is done and its outcome is published. */
    public void run(ReclaimJob job) {
        if (!hosts.serves(job.getHostId())) {
            LOG.debugf("skipped job=%s host=%s (not served here)", job.getJobId(), job.getHostId());
            return;
        }
        String jobId = job.getJobId();
        if (jobId.isBlank()) {
            LOG.warnf("refused a reclaim job without job id disk=%s", job.getDiskId());
            return;
        }
        Optional<com.google.protobuf.Message> answered;
        try {
            answered = outcomes.find(jobId);
        } catch (RuntimeException e) {
            // without the record, a job answered before could punch ranges given back since: leave it unanswered,
            // and the reservation sends it again
            LOG.errorf(e, "reclaim not run job=%s disk=%s reason=answers-unreadable", jobId, job.getDiskId());
            return;
        }
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
        answer(job, outcome(job));
    }

    /** Checks the job, then punches its ranges (or only measures them); what to answer, success or failure. */
    private com.google.protobuf.Message outcome(ReclaimJob job) {
        String jobId = job.getJobId();
        if (job.getImagePath().isBlank() || job.getExtentsCount() == 0) {
            return failed(job, JobStep.CHECK, "the job names no image or no extents", true);
        }
        List<ByteRange> ranges = new ArrayList<>();
        for (Extent extent : job.getExtentsList()) {
            if (extent.getLengthBytes() <= 0
                    || extent.getDiskOffsetBytes() < 0
                    || extent.getDiskOffsetBytes() > Long.MAX_VALUE - extent.getLengthBytes()) {
                return failed(
                        job,
                        JobStep.CHECK,
                        "extent at " + extent.getDiskOffsetBytes() + " of " + extent.getLengthBytes()
                                + " bytes is not a byte range",
                        true);
            }
            ranges.add(ByteRange.ofLength(extent.getDiskOffsetBytes(), extent.getLengthBytes()));
        }
        Path image = Path.of(job.getImagePath());
        try {
            long[] lastProgress = {System.nanoTime()};
            var result = job.getMeasureOnly()
                    ? reclaimer.measure(image, ranges)
                    : reclaimer.reclaim(image, ranges, (done, total) -> {
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
            long tampered = job.getPreviouslyReclaimed() ? result.backedInRangesBeforeBytes() : 0;
            LOG.infof(
                    (job.getMeasureOnly() ? "measured" : "reclaimed") + " job=%s disk=%s image=%s freed=%d tampered=%d",
                    jobId,
                    job.getDiskId(),
                    image,
                    result.freedBytes(),
                    tampered);
            return JobFinished.newBuilder()
                    .setJobId(jobId)
                    .setReclaim(ReclaimResult.newBuilder()
                            .setBackedBeforeBytes(result.backedBeforeBytes())
                            .setBackedAfterBytes(result.backedAfterBytes())
                            .setBackedInRangesBeforeBytes(result.backedInRangesBeforeBytes())
                            .setTamperedBytes(tampered))
                    .build();
        } catch (ImageException e) {
            return failed(job, JobStep.CHECK, e.getMessage(), true);
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "reclaim failed job=%s image=%s step=punch", jobId, job.getImagePath());
            return failed(job, JobStep.PUNCH, e.getMessage(), false);
        }
    }

    private static JobFailed failed(ReclaimJob job, JobStep step, String reason, boolean unchanged) {
        LOG.warnf(
                "reclaim failed job=%s step=%s rolled_back=%b reason=%s",
                job.getJobId(), step.wireName(), unchanged, reason);
        return JobFailed.newBuilder()
                .setJobId(job.getJobId())
                .setStep(step.wireName())
                .setReason(reason)
                .setRolledBack(unchanged)
                .build();
    }

    /**
     * Records the job's answer, then sends it: a job is answered once, and the same way if it comes back. An answer
     * that cannot be recorded is not sent either: the reservation, having no answer, gives nothing back and sends the
     * job again.
     */
    private void answer(ReclaimJob job, com.google.protobuf.Message outcome) {
        try {
            outcomes.record(job.getJobId(), job.getDiskId(), outcome);
        } catch (RuntimeException e) {
            LOG.errorf(
                    e, "reclaim answer not sent job=%s disk=%s reason=not-recorded", job.getJobId(), job.getDiskId());
            return;
        }
        publish(job.getJobId(), outcome);
    }

    private void publish(String jobId, com.google.protobuf.Message event) {
        progress.publish(jobId, event);
    }
}
