package io.ballast.worker.jobs;

import io.ballast.worker.resize.ResizeOptions;
import java.nio.file.Path;

/**
 * What the worker records of a resize job, before each change it makes to the VM: where the job stands, whether the
 * VM was running and is now powered off by the job (and so must be powered on by it), and the lease token its
 * writes are made under.
 *
 * @param image the disk's image as the VM knows it
 * @param jobImage the name the image carries while the job owns it (nothing can start the VM on it)
 * @param detail why the VM is powered off, or why the job ended as it did; empty when there is nothing to say
 */
public record JobRecord(
        String jobId,
        String hostId,
        String vmId,
        String diskId,
        String domain,
        Path image,
        Path jobImage,
        ResizeOptions options,
        State state,
        JobStep step,
        boolean wasRunning,
        boolean poweredOff,
        String detail,
        long leaseToken) {

    public enum State {
        RUNNING,
        FINISHED,
        FAILED
    }

    public JobRecord at(JobStep newStep) {
        return new JobRecord(
                jobId,
                hostId,
                vmId,
                diskId,
                domain,
                image,
                jobImage,
                options,
                state,
                newStep,
                wasRunning,
                poweredOff,
                detail,
                leaseToken);
    }

    public JobRecord powered(boolean running, boolean off, String why) {
        return new JobRecord(
                jobId,
                hostId,
                vmId,
                diskId,
                domain,
                image,
                jobImage,
                options,
                state,
                step,
                running,
                off,
                why,
                leaseToken);
    }

    public JobRecord ended(State newState, String why) {
        return new JobRecord(
                jobId,
                hostId,
                vmId,
                diskId,
                domain,
                image,
                jobImage,
                options,
                newState,
                step,
                wasRunning,
                poweredOff,
                why,
                leaseToken);
    }

    public JobRecord under(long token) {
        return new JobRecord(
                jobId,
                hostId,
                vmId,
                diskId,
                domain,
                image,
                jobImage,
                options,
                state,
                step,
                wasRunning,
                poweredOff,
                detail,
                token);
    }
}
