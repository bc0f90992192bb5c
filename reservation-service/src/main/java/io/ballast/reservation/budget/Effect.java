package io.ballast.reservation.budget;

/** What a decision asks the world to do; the service turns each into an event in its outbox. */
public sealed interface Effect {

    /** A ballast size for a disk's agent ({@code SetBallastSize} on {@code ballast.ballast.commands.v1}). */
    record SendBallast(String vmId, String diskId, BallastCommand command) implements Effect {}

    /**
     * A reclaim job for the worker of the host it names ({@code ReclaimJob} on {@code ballast.worker.jobs.v1}); its
     * host and image are the reclaim's own.
     */
    record RequestReclaim(String vmId, String diskId, PendingReclaim reclaim) implements Effect {}

    /** A budget alert ({@code ballast.alerts.v1}). */
    record RaiseAlert(Alert alert) implements Effect {}

    /** A migration recommendation ({@code ballast.alerts.v1}). */
    record RecommendMigration(MigrationRecommendation recommendation) implements Effect {}
}
