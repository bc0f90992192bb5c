package io.ballast.reservation.budget.events;

import com.google.protobuf.Message;
import io.ballast.proto.alerts.v1.BudgetAlert;
import io.ballast.proto.alerts.v1.BudgetAlertKind;
import io.ballast.proto.alerts.v1.MigrationRecommended;
import io.ballast.proto.alerts.v1.Severity;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.reservation.budget.Alert;
import io.ballast.reservation.budget.Effect;
import io.ballast.reservation.budget.Extent;
import io.ballast.reservation.budget.MigrationRecommendation;
import io.ballast.reservation.budget.PendingReclaim;

/**
 * The events a decision's effects become: a ballast command for the disk's agent, a reclaim job for its host's
 * worker, an alert or a migration recommendation for the operators.
 */
public final class EffectEvents {

    private EffectEvents() {}

    /** An event, the topic it goes on and its record key. */
    public record Event(Topic topic, String key, Message payload) {}

    /**
     * The event of {@code effect}.
     *
     * @param guestName the disk's name in its guest, for a ballast command: the agent knows the disk by no other
     */
    public static Event of(Effect effect, String guestName) {
        return switch (effect) {
            case Effect.SendBallast send ->
                new Event(
                        Topic.BALLAST_COMMANDS,
                        Topic.vmDiskKey(send.vmId(), guestName),
                        SetBallastSize.newBuilder()
                                .setVmId(send.vmId())
                                .setDiskId(guestName)
                                .setMountPoint(send.command().mountPoint())
                                .setGeneration(send.command().generation())
                                .setTargetBytes(send.command().targetBytes())
                                .build());
            case Effect.RequestReclaim request -> new Event(Topic.WORKER_JOBS, request.diskId(), reclaimJob(request));
            case Effect.RaiseAlert raise ->
                new Event(Topic.ALERTS, raise.alert().datastoreId(), alert(raise.alert()));
            case Effect.RecommendMigration recommend ->
                new Event(
                        Topic.ALERTS,
                        recommend.recommendation().datastoreId(),
                        recommendation(recommend.recommendation()));
        };
    }

    static ReclaimJob reclaimJob(Effect.RequestReclaim request) {
        PendingReclaim reclaim = request.reclaim();
        ReclaimJob.Builder job = ReclaimJob.newBuilder()
                .setJobId(reclaim.jobId())
                .setVmId(request.vmId())
                .setDiskId(request.diskId())
                .setGeneration(reclaim.generation())
                .setHostId(reclaim.hostId())
                .setImagePath(reclaim.imagePath())
                .setPreviouslyReclaimed(reclaim.previouslyReclaimed())
                .setMeasureOnly(reclaim.measureOnly());
        for (Extent extent : reclaim.extents()) {
            job.addExtents(io.ballast.proto.ballast.v1.Extent.newBuilder()
                    .setDiskOffsetBytes(extent.diskOffsetBytes())
                    .setLengthBytes(extent.lengthBytes()));
        }
        return job.build();
    }

    /** The alert as operators receive it. */
    public static BudgetAlert alert(Alert alert) {
        return BudgetAlert.newBuilder()
                .setDatastoreId(alert.datastoreId())
                .setKind(kind(alert.kind()))
                .setSeverity(
                        switch (alert.severity()) {
                            case INFO -> Severity.SEVERITY_INFO;
                            case WARNING -> Severity.SEVERITY_WARNING;
                            case CRITICAL -> Severity.SEVERITY_CRITICAL;
                        })
                .setDiskId(alert.diskId().orElse(""))
                .setDemandBytes(Math.max(0, alert.demandBytes()))
                .setLimitBytes(Math.max(0, alert.limitBytes()))
                .setMessage(alert.message())
                .build();
    }

    static BudgetAlertKind kind(Alert.Kind kind) {
        return switch (kind) {
            case INVARIANT_AT_RISK -> BudgetAlertKind.BUDGET_ALERT_KIND_INVARIANT_AT_RISK;
            case MINIMUMS_UNMET -> BudgetAlertKind.BUDGET_ALERT_KIND_MINIMUMS_UNMET;
            case TIME_TO_FULL -> BudgetAlertKind.BUDGET_ALERT_KIND_TIME_TO_FULL;
            case BALLAST_TAMPERED -> BudgetAlertKind.BUDGET_ALERT_KIND_BALLAST_TAMPERED;
            case AGENT_OFFLINE -> BudgetAlertKind.BUDGET_ALERT_KIND_AGENT_OFFLINE;
            case UNATTRIBUTED_REPORT -> BudgetAlertKind.BUDGET_ALERT_KIND_UNATTRIBUTED_REPORT;
        };
    }

    static MigrationRecommended recommendation(MigrationRecommendation recommendation) {
        return MigrationRecommended.newBuilder()
                .setDatastoreId(recommendation.datastoreId())
                .setVmId(recommendation.vmId())
                .setToDatastoreId(recommendation.toDatastoreId())
                .setBytesToMove(recommendation.bytesToMove())
                .setDemandFreedBytes(recommendation.demandFreedBytes())
                .setReason(recommendation.reason())
                .build();
    }
}
