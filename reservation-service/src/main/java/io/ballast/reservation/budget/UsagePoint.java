package io.ballast.reservation.budget;

import java.time.Instant;

/** A disk's utilized bytes (all its filesystems, ballast excluded) at one moment. */
public record UsagePoint(Instant at, long utilizedBytes) {}
