package io.ballast.worker.jobs;

import java.util.List;
import java.util.Optional;

/** The worker's record of its resize jobs. Every write is fenced: it names the lease token it is made under. */
public interface JobRecords {

    /** Records a new job; its lease token is the one it was taken under. */
    void insert(JobRecord record);

    /**
     * Replaces the record of {@code record.jobId()}, if the lease on its VM is still held under
     * {@code record.leaseToken()}.
     *
     * @return false when the lease has passed to someone else: the write was refused
     */
    boolean update(JobRecord record);

    Optional<JobRecord> find(String jobId);

    /**
     * The jobs of {@code hostId} that failed after powering their VM off and did not power it on again (a resize
     * stopped in its middle leaves the VM off, its image under the job's name, until the job is sent again).
     */
    List<JobRecord> failedWithVmOff(String hostId);

    /** The jobs of {@code hostId} that are still running (a worker that stopped mid-job finds them here). */
    List<JobRecord> running(String hostId);
}
