package io.ballast.reservation.budget;

import java.util.Objects;

/**
 * What an operator decides for a datastore: how demand is bounded and how much space is kept free no matter what.
 *
 * @param reserveBytes headroom kept out of every budget (snapshots, logs, a margin)
 */
public record DatastorePolicy(Mode mode, long reserveBytes) {

    public DatastorePolicy {
        Objects.requireNonNull(mode);
        if (reserveBytes < 0) {
            throw new IllegalArgumentException("a reserve of " + reserveBytes + " bytes");
        }
    }

    public static DatastorePolicy strict(long reserveBytes) {
        return new DatastorePolicy(new Mode.Strict(), reserveBytes);
    }
}
