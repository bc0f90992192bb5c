package io.ballast.reservation.budget;

import java.time.Instant;

/**
 * A disk moving to this datastore (the target keeps the record): prepared when a hold for its worst-case demand is
 * in place, committed when the disk's budget has moved here.
 *
 * @param needBytes what the disk can take here: its effective size, overhead, and its ballast until the new image's
 *     ranges are punched
 */
public record Migration(
        String id,
        String vmId,
        String diskId,
        String fromDatastoreId,
        String toDatastoreId,
        long needBytes,
        State state,
        Instant preparedAt,
        Instant expiresAt,
        String detail) {

    /** Where a migration stands. */
    public enum State {
        /** Space is being taken back on the target before the hold can be placed. */
        PENDING,
        /** The hold is in place until commit, abort or expiry. */
        PREPARED,
        COMMITTED,
        ABORTED,
        /** Its time ran out before a commit: the hold is gone. */
        EXPIRED
    }

    /** The id of the hold it places. */
    public String holdId() {
        return id + "/" + diskId;
    }

    boolean open() {
        return state == State.PENDING || state == State.PREPARED;
    }

    Migration with(State newState, String newDetail) {
        return new Migration(
                id,
                vmId,
                diskId,
                fromDatastoreId,
                toDatastoreId,
                needBytes,
                newState,
                preparedAt,
                expiresAt,
                newDetail);
    }
}
