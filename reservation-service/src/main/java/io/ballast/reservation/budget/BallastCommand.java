package io.ballast.reservation.budget;

import java.time.Instant;

/**
 * A ballast size sent to a disk's agent and not yet acknowledged. At most one is in flight per disk (the gateway
 * keeps only the newest command per VM and disk for an agent that is away), so a disk's filesystems are resized one
 * after the other.
 *
 * @param generation unique and increasing per disk; a retry sends the same one again
 * @param fromBytes the ballast acknowledged before it
 * @param issuedAt when it was last sent (first send or retry)
 * @param attempts how many times it was sent
 */
public record BallastCommand(
        String mountPoint, long generation, long targetBytes, long fromBytes, Instant issuedAt, int attempts) {

    /** Whether it makes the ballast larger: it then counts only once acknowledged. */
    public boolean inflates() {
        return targetBytes > fromBytes;
    }

    /** The ballast this command lets the invariant count while it is in flight: the smaller of before and after. */
    public long countedBytes() {
        return Math.min(targetBytes, fromBytes);
    }

    BallastCommand resent(Instant at) {
        return new BallastCommand(mountPoint, generation, targetBytes, fromBytes, at, attempts + 1);
    }
}
