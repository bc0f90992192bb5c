package io.ballast.reservation.budget;

import java.time.Instant;
import java.util.List;

/**
 * A reclaim job asked of the disk's host worker: punch the ballast extents of one acknowledgement out of the
 * disk's backing image.
 *
 * @param jobId the job's id on {@code ballast.worker.jobs.v1}, unique per disk, filesystem and generation
 * @param generation the acknowledgement whose extents these are
 * @param previouslyReclaimed the ranges were punched before, so data found there was written back by the guest
 */
public record PendingReclaim(
        String jobId,
        String mountPoint,
        long generation,
        List<Extent> extents,
        boolean previouslyReclaimed,
        Instant issuedAt,
        int attempts) {

    public PendingReclaim {
        extents = List.copyOf(extents);
    }

    PendingReclaim resent(Instant at) {
        return new PendingReclaim(jobId, mountPoint, generation, extents, previouslyReclaimed, at, attempts + 1);
    }
}
