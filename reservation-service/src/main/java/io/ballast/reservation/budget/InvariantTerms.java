package io.ballast.reservation.budget;

/**
 * The terms of a datastore's safety invariant at one instant, counting in-flight commands pessimistically:
 * {@code worstCaseDemand + other + holds <= limit}, where {@code limit} is {@code capacity - reserve} (strict) or
 * {@code ratio * (capacity - reserve)} (relaxed).
 *
 * @param worstCaseDemandBytes the disks' {@code effective + unreclaimed + overhead}, summed
 * @param otherBytes space on the datastore that is no Ballast disk's
 * @param holdBytes space held for migrations in flight
 * @param ballastBytes the disks' counted ballast, summed (for the dashboards: what ballooning keeps from guests)
 * @param headroomBytes {@code limit - demand}; negative when the invariant does not hold
 */
public record InvariantTerms(
        long capacityBytes,
        long reserveBytes,
        long limitBytes,
        long worstCaseDemandBytes,
        long otherBytes,
        long holdBytes,
        long ballastBytes,
        long headroomBytes) {

    /** Everything that counts against the limit. */
    public long demandBytes() {
        return worstCaseDemandBytes + otherBytes + holdBytes;
    }

    /** Whether the invariant holds. */
    public boolean holds() {
        return headroomBytes >= 0;
    }
}
