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
 * @param hostId the host whose worker the job went to, and goes to again when resent
 * @param imagePath the image the job punches, fixed when it was first asked for: a resend never reaches another image
 *     (after a migration, the disk's new one)
 * @param measureOnly a tamper check: the worker measures what is backed in the ranges and punches nothing, since
 *     ranges known some time ago may have stopped being ballast
 */
public record PendingReclaim(
        String jobId,
        String hostId,
        String imagePath,
        String mountPoint,
        long generation,
        List<Extent> extents,
        boolean previouslyReclaimed,
        boolean measureOnly,
        Instant issuedAt,
        int attempts) {

    public PendingReclaim {
        extents = List.copyOf(extents);
    }

    PendingReclaim resent(Instant at) {
        return new PendingReclaim(
                jobId,
                hostId,
                imagePath,
                mountPoint,
                generation,
                extents,
                previouslyReclaimed,
                measureOnly,
                at,
                attempts + 1);
    }
}
