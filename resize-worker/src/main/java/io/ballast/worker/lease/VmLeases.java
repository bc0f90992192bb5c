package io.ballast.worker.lease;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Exclusive leases on VMs with fencing tokens: one holder at a time, until it releases the lease or the lease
 * expires. Every acquisition gets a token greater than any before it; a write made under a lease names its token and
 * is refused once the lease has passed to someone else. Until the inventory service keeps VM locks, the worker keeps
 * its own, in PostgreSQL.
 */
public interface VmLeases {

    /** A lease held: the VM, who holds it, its fencing token and when it ends unless renewed. */
    record Lease(String vmId, String holder, long token, Instant expiresAt) {}

    /**
     * Takes the lease on {@code vmId} for {@code ttl}, when it is free, expired, or already {@code holder}'s (a
     * restarted worker takes back its own lease, with a new token).
     *
     * @return empty when someone else holds it
     */
    Optional<Lease> acquire(String vmId, String holder, Duration ttl);

    /**
     * Extends {@code lease} by {@code ttl} from now.
     *
     * @return the renewed lease, or empty when it is no longer held under that token (expired and taken)
     */
    Optional<Lease> renew(Lease lease, Duration ttl);

    /** Gives the lease up, if it is still held under its token. */
    void release(Lease lease);

    /** The lease on {@code vmId} as it stands, expired or not. */
    Optional<Lease> current(String vmId);
}
