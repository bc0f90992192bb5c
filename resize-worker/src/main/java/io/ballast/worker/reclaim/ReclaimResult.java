package io.ballast.worker.reclaim;

/**
 * What a reclaim did to a backing image, in bytes.
 *
 * @param backedBeforeBytes bytes of the image file that held data before (its allocated blocks)
 * @param backedAfterBytes the same, after punching
 * @param backedInRangesBeforeBytes bytes inside the ranges that held data before punching, counted in whole blocks
 *     of the image file: after an earlier reclaim of the same ranges, the guest wrote where it promised not to
 * @param rangesBytes total length of the ranges
 */
public record ReclaimResult(
        long backedBeforeBytes, long backedAfterBytes, long backedInRangesBeforeBytes, long rangesBytes) {

    /** Bytes given back to the datastore. */
    public long freedBytes() {
        return Math.max(0, backedBeforeBytes - backedAfterBytes);
    }
}
