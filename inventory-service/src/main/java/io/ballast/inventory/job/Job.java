package io.ballast.inventory.job;

import io.ballast.inventory.profile.Alignment;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A job inventory sent to a worker, with what became of it.
 *
 * @param scanJobId for a resize waiting for its disk's layout: the scan it waits for
 * @param projectedSavingsBytes for a resize: what its targets save as planned
 * @param result what the worker reported when it finished: sizes of the image before and after
 * @param steps the history the worker reported, in order
 */
public record Job(
        String id,
        Kind kind,
        String vmId,
        String diskId,
        State state,
        Request request,
        List<PartitionTarget> targets,
        OptionalLong projectedSavingsBytes,
        Optional<String> scanJobId,
        Optional<String> workerHost,
        Optional<ImageSizes> result,
        Optional<String> failure,
        Optional<Boolean> rolledBack,
        Instant createdAt,
        Optional<Instant> startedAt,
        Optional<Instant> finishedAt,
        List<Step> steps) {

    public Job {
        targets = List.copyOf(targets);
        steps = List.copyOf(steps);
    }

    public enum Kind {
        SCAN,
        RESIZE
    }

    /** Where a job is. Only a job that has not started may be cancelled. */
    public enum State {
        /** A resize whose disk's layout is not known yet: a scan was sent first. */
        WAITING_FOR_SCAN,
        /** Sent to the worker, not started. */
        QUEUED,
        RUNNING,
        FINISHED,
        FAILED,
        CANCELLED;

        public boolean active() {
            return this == WAITING_FOR_SCAN || this == QUEUED || this == RUNNING;
        }
    }

    /**
     * What a resize was asked to do.
     *
     * @param targets given targets; empty when {@code byProfile}
     * @param byProfile targets from the VM's profile and the disk's layout
     * @param alignment what moved partitions are aligned to; the profile's when not given
     * @param noAlign partitions never re-aligned; the profile's when not given
     * @param dryRun plan and report, change nothing
     * @param sparsify punch unused filesystem blocks out of the image
     * @param truncate cut the image after its last partition
     */
    public record Request(
            List<PartitionTarget> targets,
            boolean byProfile,
            Optional<Alignment> alignment,
            Optional<List<Integer>> noAlign,
            boolean dryRun,
            boolean sparsify,
            boolean truncate) {

        public Request {
            targets = List.copyOf(targets);
            noAlign = noAlign.map(List::copyOf);
        }

        /** A scan's request: it changes nothing. */
        public static final Request SCAN =
                new Request(List.of(), false, Optional.empty(), Optional.empty(), true, false, false);
    }

    /** The image's size and backed bytes before and after a job: what a resize realized. */
    public record ImageSizes(
            long imageBeforeBytes, long imageAfterBytes, long backedBeforeBytes, long backedAfterBytes) {

        /** Bytes the datastore got back: backed before less backed after. */
        public long savedBytes() {
            return backedBeforeBytes - backedAfterBytes;
        }
    }

    /** One entry of a job's history. */
    public record Step(Instant at, String step, String detail, OptionalLong bytesDone, OptionalLong bytesTotal) {}
}
