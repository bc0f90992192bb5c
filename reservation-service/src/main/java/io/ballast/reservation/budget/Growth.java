package io.ballast.reservation.budget;

import java.time.Instant;
import java.util.Optional;

/**
 * An orchestrator's request for more effective space on a disk, and where it stands.
 *
 * @param previousBudgetBytes the disk's budget before, put back if the growth expires before it is granted
 * @param targetBudgetBytes the budget the disk gets
 * @param expiresAt when a growth still pending gives up
 * @param detail why it is pending, refused or expired
 * @param recommendation for a refused growth: the migration that would make room
 */
public record Growth(
        String id,
        String diskId,
        long additionalBytes,
        long previousBudgetBytes,
        long previousFloorBytes,
        long targetBudgetBytes,
        State state,
        Instant requestedAt,
        Instant expiresAt,
        String detail,
        Optional<MigrationRecommendation> recommendation) {

    /** Where a growth stands. */
    public enum State {
        /** The deflate was sent: the space counts as the disk's. */
        GRANTED,
        /** Space is being taken back from other disks first. */
        PENDING,
        /** The datastore cannot give it, even taking back every disk's spare. */
        REFUSED,
        /** It was still pending when its time ran out; the disk's budget is as before. */
        EXPIRED
    }

    Growth with(State newState, String newDetail) {
        return new Growth(
                id,
                diskId,
                additionalBytes,
                previousBudgetBytes,
                previousFloorBytes,
                targetBudgetBytes,
                newState,
                requestedAt,
                expiresAt,
                newDetail,
                recommendation);
    }
}
