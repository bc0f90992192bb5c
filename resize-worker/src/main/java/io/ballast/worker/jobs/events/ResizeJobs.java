package io.ballast.worker.jobs.events;

import io.ballast.proto.worker.v1.ImageResult;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.PartitionTarget;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.worker.client.ServedHosts;
import io.ballast.worker.config.WorkerConfig;
import io.ballast.worker.jobs.JobEvents;
import io.ballast.worker.jobs.JobRecords;
import io.ballast.worker.jobs.JobStep;
import io.ballast.worker.jobs.ResizeJobRunner;
import io.ballast.worker.lease.VmLeases;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.resize.ResizeOptions;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Resize jobs addressed to a served host ({@link ServedHosts}), from {@code ballast.worker.jobs.v1} to the {@link ResizeJobRunner}, with every
 * step and progress reported on {@code ballast.worker.progress.v1}. At start, the jobs a stopped worker left running
 * are continued, on a thread of their own so the worker becomes ready meanwhile.
 */
@ApplicationScoped
public class ResizeJobs implements JobEvents {

    private static final Logger LOG = Logger.getLogger(ResizeJobs.class);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final ProgressEvents progress;
    private final WorkerConfig config;
    /** One runner for each served host, with its hypervisor. */
    private final Map<String, ResizeJobRunner> runners = new LinkedHashMap<>();

    private long lastProgress;

    ResizeJobs(ProgressEvents progress, WorkerConfig config, VmLeases leases, JobRecords records, ServedHosts hosts) {
        this.progress = progress;
        this.config = config;
        Duration ttl = config.leaseTtl();
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofHours(1)) > 0) {
            // inventory grants no lease outside these bounds: every resize would fail at its lease step
            throw new IllegalArgumentException(
                    "ballast.worker.lease-ttl (BALLAST_LEASE_TTL) is " + ttl + "; it must be from 1 s to 1 h");
        }
        hosts.hypervisors()
                .forEach((host, hypervisor) -> runners.put(
                        host,
                        new ResizeJobRunner(
                                host, leases, records, hypervisor, this, config.leaseTtl(), config.shutdownTimeout())));
    }

    void onStart(@Observes StartupEvent start) {
        Thread.ofPlatform().name("resize-recovery").start(this::recover);
    }

    /** Continues the resize jobs of the served hosts that a stopped worker left running. */
    public void recover() {
        for (var served : runners.entrySet()) {
            try {
                served.getValue().recover();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.errorf(e, "could not continue the unfinished resize jobs of host=%s", served.getKey());
            }
        }
    }

    /** Runs the job if it is a served host's; blocks until it ended and its outcome is published. */
    public void run(ResizeJob job) {
        ResizeJobRunner runner = runners.get(job.getHostId());
        if (runner == null) {
            LOG.debugf("skipped job=%s host=%s (not served here)", job.getJobId(), job.getHostId());
            return;
        }
        if (job.getJobId().isBlank()) {
            LOG.warnf("refused a resize job without job id disk=%s", job.getDiskId());
            return;
        }
        ResizeJobRunner.Request request;
        try {
            if (job.getImagePath().isBlank()
                    || job.getVmId().isBlank()
                    || (job.getDomain().isBlank() && !job.getDryRun())) {
                throw new IllegalArgumentException("the job names no image, VM or libvirt domain");
            }
            request = new ResizeJobRunner.Request(
                    job.getJobId(),
                    job.getVmId(),
                    job.getDiskId(),
                    job.getDomain(),
                    Path.of(job.getImagePath()),
                    options(job),
                    job.getDryRun());
        } catch (IllegalArgumentException e) {
            started(job.getJobId());
            failed(job.getJobId(), JobStep.CHECK, e.getMessage(), true);
            return;
        }
        runner.run(request);
    }

    static ResizeOptions options(ResizeJob job) {
        Map<Integer, Long> targets = new LinkedHashMap<>();
        for (PartitionTarget target : job.getTargetsList()) {
            if (target.getNumber() == 0 || target.getSizeBytes() <= 0) {
                throw new IllegalArgumentException("target for partition " + target.getNumber() + " of "
                        + target.getSizeBytes() + " bytes is not a partition and a size");
            }
            targets.put(target.getNumber(), target.getSizeBytes());
        }
        double ratio = job.getFreeRatio();
        if (ratio < 0 || ratio >= 1) {
            throw new IllegalArgumentException("free ratio " + ratio + " is not from 0 to below 1");
        }
        Set<Integer> noAlign = new TreeSet<>();
        job.getNoAlignList().forEach(noAlign::add);
        return new ResizeOptions(
                targets,
                ratio > 0 ? OptionalDouble.of(ratio) : OptionalDouble.empty(),
                alignment(job.getAlignment()),
                noAlign,
                job.getSparsify(),
                job.getTruncate());
    }

    /** The contract's alignment as the planner's; unspecified is the default, 1 MiB. */
    static Alignment alignment(io.ballast.proto.worker.v1.Alignment alignment) {
        return switch (alignment) {
            case ALIGNMENT_NONE -> Alignment.NONE;
            case ALIGNMENT_64_KIB -> Alignment.KIB_64;
            case ALIGNMENT_CYLINDER -> Alignment.CYLINDER;
            case ALIGNMENT_1_MIB, ALIGNMENT_UNSPECIFIED -> Alignment.MIB_1;
            case UNRECOGNIZED -> throw new IllegalArgumentException("unknown alignment");
        };
    }

    @Override
    public void started(String jobId) {
        progress.publish(
                jobId,
                JobStarted.newBuilder()
                        .setJobId(jobId)
                        .setKind(JobKind.JOB_KIND_RESIZE)
                        .setWorkerHost(config.hostId())
                        .build());
    }

    @Override
    public void step(String jobId, JobStep step, String detail) {
        publishStep(jobId, step.wireName(), detail);
    }

    @Override
    public void resizeStep(String jobId, int number, int count, String detail) {
        publishStep(jobId, JobStep.RESIZE.wireName() + " " + number + "/" + count, detail);
    }

    private void publishStep(String jobId, String step, String detail) {
        LOG.infof("job=%s step=%s detail=%s", jobId, step, detail);
        progress.publish(
                jobId,
                io.ballast.proto.worker.v1.JobStep.newBuilder()
                        .setJobId(jobId)
                        .setStep(step)
                        .setDetail(detail)
                        .build());
    }

    @Override
    public void progress(String jobId, String step, long doneBytes, long totalBytes) {
        long now = System.nanoTime();
        if (doneBytes < totalBytes && now - lastProgress < PROGRESS_INTERVAL_NANOS) {
            return;
        }
        lastProgress = now;
        progress.publish(
                jobId,
                JobProgress.newBuilder()
                        .setJobId(jobId)
                        .setStep(step)
                        .setBytesDone(doneBytes)
                        .setBytesTotal(totalBytes)
                        .build());
    }

    @Override
    public void finished(
            String jobId, long imageBefore, long imageAfter, long backedBefore, long backedAfter, String layout) {
        LOG.infof("job=%s finished image_before=%d image_after=%d", jobId, imageBefore, imageAfter);
        progress.publish(
                jobId,
                JobFinished.newBuilder()
                        .setJobId(jobId)
                        .setImage(ImageResult.newBuilder()
                                .setImageBeforeBytes(imageBefore)
                                .setImageAfterBytes(imageAfter)
                                .setBackedBeforeBytes(backedBefore)
                                .setBackedAfterBytes(backedAfter)
                                .setLayout(layout))
                        .build());
    }

    @Override
    public void failed(String jobId, JobStep step, String reason, boolean rolledBack) {
        LOG.warnf("job=%s failed step=%s rolled_back=%b reason=%s", jobId, step.wireName(), rolledBack, reason);
        progress.publish(
                jobId,
                JobFailed.newBuilder()
                        .setJobId(jobId)
                        .setStep(step.wireName())
                        .setReason(reason)
                        .setRolledBack(rolledBack)
                        .build());
    }
}
