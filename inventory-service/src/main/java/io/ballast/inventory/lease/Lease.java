package io.ballast.inventory.lease;

import java.time.Duration;
import java.time.Instant;

/**
 * A VM's lease: who holds it, its fencing token (greater than every token granted for the VM before) and when it
 * ends unless renewed.
 */
public record Lease(String vmId, String holder, long token, Instant expiresAt) {

    /** The longest lease one grant or renewal gives: a holder that needs longer renews. */
    public static final Duration MAX_TTL = Duration.ofHours(1);
}
