package io.ballast.reservation.budget;

/** What a decision asks the world to do; the service turns each into an event in its outbox. */
public sealed interface Effect {

    /** A ballast size for a disk's agent ({@code SetBallastSize} on {@code ballast.ballast.commands.v1}). */
    record SendBallast(String vmId, String diskId, BallastCommand command) implements Effect {}

    /** A reclaim job for the worker of the disk's host ({@code ReclaimJob} on {@code ballast.worker.jobs.v1}). */
    record RequestReclaim(String vmId, String diskId, String hostId, String imagePath, PendingReclaim reclaim)
            implements Effect {}

    /** A budget alert ({@code ballast.alerts.v1}). */
    record RaiseAlert(Alert alert) implements Effect {}

    /** A migration recommendation ({@code ballast.alerts.v1}). */
    record RecommendMigration(MigrationRecommendation recommendation) implements Effect {}
}
