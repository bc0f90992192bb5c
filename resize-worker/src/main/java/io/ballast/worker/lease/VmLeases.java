package io.ballast.worker.lease;

import java.time.Duration;
import java.time.Instant;

/**
 * Exclusive leases on VMs with fencing tokens, granted by the inventory service: one holder at a time, until it
 * releases the lease or the lease expires. Every grant carries a token greater than any granted before it; every
 * record write the worker makes under a lease names its token and is refused once a newer token was granted.
 */
public interface VmLeases {

    /** A lease held: the VM, who holds it, its fencing token and when it ends unless renewed. */
    record Lease(String vmId, String holder, long token, Instant expiresAt) {}

    /**
     * Takes the lease on {@code vmId} for {@code ttl}, when it is free, expired, or already {@code holder}'s (a
     * restarted worker takes back its own lease, with a new token).
     *
     * @throws Refused when it is not granted: someone else holds it, the VM or the job is not the inventory's to
     *     lease any more, or the inventory could not be asked; the reason says which
     */
    Lease acquire(String vmId, String holder, Duration ttl) throws Refused;

    /**
     * Extends {@code lease} by {@code ttl} from now.
     *
     * @throws Lost when the lease is no longer held under its token (expired and taken, or released)
     * @throws Unreachable when the inventory could not be asked: the lease may still be held until it expires
     */
    Lease renew(Lease lease, Duration ttl);

    /**
     * Gives the lease up, if it is still held under its token. While the inventory cannot be reached it is asked
     * again in the background until the lease would have expired; a lease that cannot be given up expires.
     */
    void release(Lease lease);

    /** A lease was not granted; the message says why. Nothing was taken. */
    final class Refused extends Exception {
        private final boolean unreachable;

        public Refused(String message, boolean unreachable) {
            super(message);
            this.unreachable = unreachable;
        }

        /** Whether inventory could not be asked (rather than answering no): asking again later may get it. */
        public boolean unreachable() {
            return unreachable;
        }
    }

    /** The lease is no longer held under its token: its holder must not touch the VM any more. */
    final class Lost extends RuntimeException {
        public Lost(String message) {
            super(message);
        }
    }

    /** The inventory could not be asked; nothing is known of the lease beyond what the last answer said. */
    final class Unreachable extends RuntimeException {
        public Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
