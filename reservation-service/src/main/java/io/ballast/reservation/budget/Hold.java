package io.ballast.reservation.budget;

import java.time.Instant;
import java.util.Objects;

/**
 * Datastore space reserved for a while: a disk migrating in, until its migration commits or aborts, or its time
 * runs out. Counts in the datastore's demand like a disk's worst case.
 *
 * @param id unique across datastores
 * @param purpose what the space is held for
 * @param reference the migration id (or other owner) the hold belongs to
 * @param diskId the disk the space is for
 */
public record Hold(String id, Purpose purpose, String reference, String diskId, long bytes, Instant expiresAt) {

    /** What a hold is for. */
    public enum Purpose {
        /** A disk's worst-case demand on its migration's target, from prepare to commit or abort. */
        MIGRATION
    }

    public Hold {
        Objects.requireNonNull(id);
        Objects.requireNonNull(purpose);
        Objects.requireNonNull(reference);
        Objects.requireNonNull(diskId);
        Objects.requireNonNull(expiresAt);
        if (bytes < 0) {
            throw new IllegalArgumentException("a hold of " + bytes + " bytes");
        }
    }

    /** Whether the hold's time has run out at {@code now}. */
    public boolean expired(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
