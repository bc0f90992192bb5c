package io.ballast.inventory.events;

import io.ballast.inventory.budget.BudgetChange;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.SetBallastSize;
import java.time.Instant;
import java.util.Optional;

/** The ballast commands and acks on the bus as the budget changes a VM's history shows. */
final class BudgetMessages {

    private BudgetMessages() {}

    /** The size the reservation service set. */
    static BudgetChange set(SetBallastSize command, Instant at) {
        return new BudgetChange(
                command.getVmId(),
                command.getDiskId(),
                command.getMountPoint(),
                command.getGeneration(),
                BudgetChange.Kind.SET,
                command.getTargetBytes(),
                Optional.empty(),
                "",
                at);
    }

    /** The size the agent put in place. */
    static BudgetChange applied(BallastApplied ack, Instant at) {
        String detail =
                ack.hasExtentsUnavailable() ? "its blocks cannot be reclaimed: " + ack.getExtentsUnavailable() : "";
        if (ack.getRecreated()) {
            detail = "the ballast file was recreated" + (detail.isEmpty() ? "" : "; " + detail);
        }
        return new BudgetChange(
                ack.getVmId(),
                ack.getDiskId(),
                ack.getMountPoint(),
                ack.getGeneration(),
                BudgetChange.Kind.APPLIED,
                ack.getActualBytes(),
                Optional.empty(),
                detail,
                at);
    }

    /** Why the agent could not, and the size in place after. */
    static BudgetChange failed(BallastFailed ack, Instant at) {
        return new BudgetChange(
                ack.getVmId(),
                ack.getDiskId(),
                ack.getMountPoint(),
                ack.getGeneration(),
                BudgetChange.Kind.FAILED,
                ack.getActualBytes(),
                Optional.of(ack.getFailure().name().replaceFirst("^BALLAST_FAILURE_", "")),
                ack.getDetail(),
                at);
    }
}
