package io.ballast.worker.jobs;

import io.ballast.cli.ByteSize;
import io.ballast.linux.DurableFiles;
import io.ballast.support.inventory.JobLeaseHolder;
import io.ballast.worker.hypervisor.Hypervisor;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.lease.VmLeases;
import io.ballast.worker.plan.LayoutPlanner;
import io.ballast.worker.resize.ImageResize;
import io.ballast.worker.resize.ResizeOptions;
import io.ballast.worker.resize.ResizePlan;
import io.ballast.worker.resize.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A resize job from lease to release: lease the VM (fencing token), power it off, rename its image to a job-owned
 * name so nothing can start it, resize, rename it back, power the VM on if it was running, release. Each change to
 * the VM is recorded before it is made; a worker restarted mid-job continues it from that record (and the resize
 * from its journal). A job that cannot go on leaves the VM off and its image under the job's name, with a record
 * saying why, and releases its lease.
 */
public final class ResizeJobRunner {

    /**
     * How long a job's lease is asked for again while inventory cannot be reached (restarting, say): a worker starting
     * up continuing its jobs, or a job arriving while inventory is away.
     */
    static final Duration RECOVERY_PATIENCE = Duration.ofMinutes(5);

    // System.Logger: the domain imports no logging framework; under Quarkus it writes through the JBoss log manager.
    private static final System.Logger LOG = System.getLogger(ResizeJobRunner.class.getName());

    /** A resize job as the runner takes it. */
    public record Request(
            String jobId,
            String vmId,
            String diskId,
            String domain,
            Path image,
            ResizeOptions options,
            boolean dryRun) {}

    private final String hostId;
    private final VmLeases leases;
    private final JobRecords records;
    private final Hypervisor hypervisor;
    private final JobEvents events;
    private final Duration leaseTtl;
    private final Duration shutdownTimeout;
    /** The jobs running in this worker now: a job is never run twice at once. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();

    public ResizeJobRunner(
            String hostId,
            VmLeases leases,
            JobRecords records,
            Hypervisor hypervisor,
            JobEvents events,
            Duration leaseTtl,
            Duration shutdownTimeout) {
        this.hostId = hostId;
        this.leases = leases;
        this.records = records;
        this.hypervisor = hypervisor;
        this.events = events;
        this.leaseTtl = leaseTtl;
        this.shutdownTimeout = shutdownTimeout;
    }

    /**
     * Runs a job; a job id seen before continues that job (or is reported again when it finished). A job this worker
     * is running already (continued at start while the broker delivers it again) is left to that run.
     */
    public void run(Request request) {
        if (!running.add(request.jobId())) {
            LOG.log(System.Logger.Level.INFO, "job={0} action=none reason=running-already", request.jobId());
            return;
        }
        try {
            runOnce(request);
        } finally {
            running.remove(request.jobId());
        }
    }

    private void runOnce(Request request) {
        events.started(request.jobId());
        if (request.dryRun()) {
            plan(request);
            return;
        }
        Optional<JobRecord> known = records.find(request.jobId());
        if (known.isPresent() && known.get().state() == JobRecord.State.FINISHED) {
            LOG.log(System.Logger.Level.INFO, "job={0} state=finished-before action=none", request.jobId());
            events.step(request.jobId(), JobStep.DONE, "finished before");
            return;
        }
        VmLeases.Lease lease;
        try {
            lease = acquire(request.jobId(), request.vmId());
        } catch (VmLeases.Refused e) {
            events.failed(request.jobId(), JobStep.LEASE, e.getMessage(), true);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            events.failed(
                    request.jobId(), JobStep.LEASE, "the worker stopped while inventory could not be reached", true);
            return;
        }
        JobRecord record;
        if (known.isPresent()) {
            record = known.get().ended(JobRecord.State.RUNNING, "").under(lease.token());
            if (!records.update(record)) {
                events.failed(request.jobId(), JobStep.LEASE, "the lease was lost while taking the job back", true);
                return;
            }
        } else {
            record = new JobRecord(
                    request.jobId(),
                    hostId,
                    request.vmId(),
                    request.diskId(),
                    request.domain(),
                    request.image(),
                    request.image().resolveSibling(request.image().getFileName() + ".ballast-job-" + request.jobId()),
                    request.options(),
                    JobRecord.State.RUNNING,
                    JobStep.LEASE,
                    false,
                    false,
                    "",
                    lease.token());
            records.insert(record);
        }
        carryOn(record, lease);
    }

    /**
     * Continues the jobs of this host a stopped worker left running. Inventory may not be reachable yet (it may be
     * starting too): each job's lease is asked for again, waiting longer each time, for up to
     * {@link #RECOVERY_PATIENCE}.
     */
    public void recover() throws InterruptedException {
        for (JobRecord record : records.running(hostId)) {
            if (!running.add(record.jobId())) {
                continue;
            }
            try {
                recover(record);
            } finally {
                running.remove(record.jobId());
            }
        }
    }

    private void recover(JobRecord record) throws InterruptedException {
        VmLeases.Lease lease;
        try {
            lease = acquire(record.jobId(), record.vmId());
        } catch (VmLeases.Refused e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "job={0} vm={1} action=not-continued reason=lease-refused detail={2}",
                    record.jobId(),
                    record.vmId(),
                    e.getMessage());
            return;
        }
        JobRecord adopted = record.under(lease.token());
        if (records.update(adopted)) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "job={0} action=continued step={1}",
                    record.jobId(),
                    record.step().wireName());
            events.started(record.jobId());
            carryOn(adopted, lease);
        }
    }

    /**
     * The job's lease on {@code vmId}; while inventory cannot be reached it is asked again, waiting longer each time
     * (up to 30 s), for up to {@link #RECOVERY_PATIENCE}.
     *
     * @throws VmLeases.Refused when inventory refuses it, or is still unreachable after that
     */
    private VmLeases.Lease acquire(String jobId, String vmId) throws VmLeases.Refused, InterruptedException {
        long giveUpAt = System.nanoTime() + RECOVERY_PATIENCE.toNanos();
        Duration wait = Duration.ofSeconds(1);
        while (true) {
            try {
                return leases.acquire(vmId, JobLeaseHolder.of(hostId, jobId), leaseTtl);
            } catch (VmLeases.Refused e) {
                if (!e.unreachable() || System.nanoTime() > giveUpAt) {
                    throw e;
                }
                LOG.log(
                        System.Logger.Level.INFO,
                        "job={0} vm={1} action=asking-again-in-{2}s reason=inventory-unreachable",
                        jobId,
                        vmId,
                        wait.toSeconds());
                Thread.sleep(wait);
                wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0
                        ? Duration.ofSeconds(30)
                        : wait.multipliedBy(2);
            }
        }
    }

    private void carryOn(JobRecord start, VmLeases.Lease lease) {
        Held held = new Held(start, lease);
        Path image = start.image();
        Path jobImage = start.jobImage();
        boolean resized = false;
        try {
            ResizeOptions options = start.options();

            held.step(JobStep.POWER_OFF, "");
            if (!held.record.poweredOff()) {
                boolean running = hypervisor.state(start.domain()) == Hypervisor.PowerState.RUNNING;
                // The record says the VM is off because of this job before it is.
                held.write(held.record.powered(
                        running,
                        running,
                        running ? "powered off by resize job " + start.jobId() + " for disk " + start.diskId() : ""));
                if (running) {
                    hypervisor.powerOff(start.domain(), shutdownTimeout);
                }
            }

            held.step(JobStep.LOCK, "image renamed to " + jobImage.getFileName());
            if (Files.exists(image) && !Files.exists(jobImage)) {
                rename(image, jobImage);
            } else if (!Files.exists(jobImage)) {
                throw new ImageException.Refused("neither " + image + " nor " + jobImage + " exists");
            }

            held.step(JobStep.RESIZE, "");
            ImageResize.Outcome outcome = ImageResize.run(jobImage, options, new ImageResize.Listener() {
                @Override
                public void step(int number, int count, Step step, boolean resumed) {
                    held.renewIfDue();
                    events.resizeStep(start.jobId(), number, count, step.describe() + (resumed ? " (continuing)" : ""));
                }

                @Override
                public void progress(Step step, long doneBytes, long totalBytes) {
                    held.renewIfDue();
                    events.progress(start.jobId(), step.describe(), doneBytes, totalBytes);
                }
            });
            resized = true;

            held.step(JobStep.UNLOCK, "image renamed back to " + image.getFileName());
            rename(jobImage, image);

            if (held.record.wasRunning()) {
                held.step(JobStep.POWER_ON, "");
                hypervisor.powerOn(start.domain());
            }
            held.write(held.record.powered(held.record.wasRunning(), false, "").ended(JobRecord.State.FINISHED, ""));
            leases.release(held.lease);
            events.finished(
                    start.jobId(),
                    outcome.fileBytesBefore(),
                    outcome.fileBytesAfter(),
                    outcome.allocatedBytesBefore(),
                    outcome.allocatedBytesAfter(),
                    layout(outcome));
        } catch (Exception e) {
            Optional<VmLeases.Lost> lost = lost(e);
            if (lost.isEmpty()) {
                fail(held, e, resized);
                return;
            }
            // the VM is someone else's now: nothing more is done to it, nor to the record
            LOG.log(
                    System.Logger.Level.WARNING,
                    "job={0} action=stopped reason=lease-lost detail={1}",
                    start.jobId(),
                    lost.get().getMessage());
            events.failed(start.jobId(), held.record.step(), lost.get().getMessage(), false);
        }
    }

    /** The lost lease that ended a job, also when the resize reported it as the cause of its interruption. */
    private static Optional<VmLeases.Lost> lost(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof VmLeases.Lost lost) {
                return Optional.of(lost);
            }
        }
        return Optional.empty();
    }

    /**
     * A job that cannot go on. Before the resize changed anything (refused, or failed before its first step), the
     * image gets its name back and the VM is powered on again: rolled back. After the resize finished, what is left
     * (the name, the power) is put right as far as it goes. In between (the resize was interrupted), the image keeps
     * the job's name and the VM stays off, and the record says so: the same job sent again continues it.
     */
    private void fail(Held held, Exception cause, boolean resized) {
        JobRecord record = held.record;
        String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        boolean midResize = cause instanceof ImageException.Interrupted;
        boolean rolledBack = false;
        String detail;
        try {
            if (midResize) {
                detail = "stopped at " + record.step().wireName() + ": " + reason + "; the image stays at "
                        + record.jobImage()
                        + " with its resize journal and the VM stays off; send the job again to continue it";
                held.write(record.ended(JobRecord.State.FAILED, detail));
            } else {
                if (Files.exists(record.jobImage()) && !Files.exists(record.image())) {
                    rename(record.jobImage(), record.image());
                }
                if (record.poweredOff()) {
                    hypervisor.powerOn(record.domain());
                }
                rolledBack = !resized;
                detail = (resized ? "resized, then failed at " : "refused at ")
                        + record.step().wireName() + ": "
                        + reason
                        + (resized ? "" : "; image and VM as before");
                held.write(record.powered(record.wasRunning(), false, detail).ended(JobRecord.State.FAILED, detail));
            }
            leases.release(held.lease);
        } catch (Exception during) {
            detail = reason + " (and while stopping: " + during.getMessage() + ")";
            LOG.log(
                    System.Logger.Level.WARNING,
                    () -> "job=" + record.jobId() + " action=stop-failed step="
                            + record.step().wireName(),
                    during);
        }
        events.failed(record.jobId(), record.step(), detail, rolledBack);
    }

    private void plan(Request request) {
        try {
            ResizePlan plan = ImageResize.preview(request.image(), request.options());
            long size = Files.size(request.image());
            events.finished(request.jobId(), size, size, 0, 0, layout(plan));
        } catch (ImageException | IOException e) {
            events.failed(request.jobId(), JobStep.PLAN, e.getMessage(), true);
        }
    }

    private static String layout(ImageResize.Outcome outcome) {
        return layout(outcome.plan());
    }

    private static String layout(ResizePlan plan) {
        StringBuilder text = new StringBuilder();
        for (LayoutPlanner.Placed placed : plan.layout()) {
            text.append("partition ")
                    .append(placed.number())
                    .append(": start ")
                    .append(placed.to().startBytes())
                    .append(", size ")
                    .append(ByteSize.human(placed.to().lengthBytes()))
                    .append('\n');
        }
        return text.toString();
    }

    private static void rename(Path from, Path to) throws IOException {
        DurableFiles.rename(from, to, false);
    }

    /**
     * The job's record and lease as they stand. Every record write is made under the lease's token: inventory is asked
     * to renew the lease first (it refuses a token that is not the VM's lease any more), and the write itself is
     * fenced by the token in the worker's schema.
     */
    private final class Held {
        private JobRecord record;
        private VmLeases.Lease lease;
        private long renewedAt = System.nanoTime();
        /** After this (the worker's own clock), a lease not renewed since has a quarter of its time left or less. */
        private long stopBy;

        Held(JobRecord record, VmLeases.Lease lease) {
            this.record = record;
            this.lease = lease;
            this.stopBy = renewedAt + leaseTtl.toNanos() * 3 / 4;
        }

        void step(JobStep step, String detail) {
            write(record.at(step));
            events.step(record.jobId(), step, detail);
        }

        void write(JobRecord next) {
            renew();
            if (!records.update(next)) {
                throw new VmLeases.Lost("the lease on VM " + next.vmId() + " passed to someone else (token "
                        + next.leaseToken() + " is no longer current)");
            }
            record = next;
        }

        void renewIfDue() {
            if (System.nanoTime() - renewedAt >= leaseTtl.toNanos() / 4) {
                renew();
            }
        }

        /**
         * Renews the lease. When inventory cannot be reached, the job goes on while the lease it last granted has a
         * quarter of its time left, counted on the worker's own clock from when it was asked for (inventory grants
         * it to no one else before it ends); after that it stops.
         *
         * @throws VmLeases.Lost when inventory refused (the token is not the VM's lease any more), or could not be
         *     reached while the lease was running out
         */
        void renew() {
            long asked = System.nanoTime();
            try {
                lease = leases.renew(lease, leaseTtl);
                renewedAt = asked;
                stopBy = asked + leaseTtl.toNanos() * 3 / 4;
            } catch (VmLeases.Unreachable e) {
                if (System.nanoTime() - stopBy > 0) {
                    throw new VmLeases.Lost(e.getMessage() + ", and the lease it last granted runs out");
                }
                // asked again when the next renewal is due, not at every progress report
                renewedAt = asked;
                LOG.log(
                        System.Logger.Level.WARNING,
                        "job={0} vm={1} action=continued reason=inventory-unreachable lease-ends={2} detail={3}",
                        record.jobId(),
                        lease.vmId(),
                        lease.expiresAt(),
                        e.getMessage());
            }
        }
    }
}
