package io.ballast.inventory.budget;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A change of a guest filesystem's ballast seen on the bus: the size the reservation service set for it (the disk's
 * budget decided: {@code designated − ballast} is what its guest may fill), or what the agent answered. Inventory
 * only records these; the reservation service owns budgets.
 *
 * @param guestDisk the guest's name for the disk, as the command carries it (matched to a disk by serial)
 * @param generation the command's generation, increasing per VM and disk; an answer names the one it answers
 * @param ballastBytes {@link Kind#SET}: the size set; {@link Kind#APPLIED} and {@link Kind#FAILED}: the size in
 *     place after the agent's answer
 * @param failure {@link Kind#FAILED}: why, e.g. {@code NO_SPACE}
 * @param detail the agent's words: a failure's detail, a recreated ballast, why its extents cannot be mapped
 */
public record BudgetChange(
        String vmId,
        String guestDisk,
        String mountPoint,
        long generation,
        Kind kind,
        long ballastBytes,
        Optional<String> failure,
        String detail,
        Instant at) {

    /** What was seen. */
    public enum Kind {
        /** The reservation service set the ballast's size (SetBallastSize). */
        SET,
        /** The agent applied it (BallastApplied). */
        APPLIED,
        /** The agent could not apply it (BallastFailed). */
        FAILED
    }

    /**
     * @throws IllegalArgumentException for a change that names no VM, disk or filesystem, or a size or generation
     *     that is no number inventory keeps (above {@link Long#MAX_VALUE})
     */
    public BudgetChange {
        if (vmId.isBlank() || guestDisk.isBlank() || mountPoint.isBlank()) {
            throw new IllegalArgumentException("a ballast change names a VM, a disk and a filesystem: vm='" + vmId
                    + "' disk='" + guestDisk + "' mount_point='" + mountPoint + "'");
        }
        if (generation < 0) {
            throw new IllegalArgumentException(Long.toUnsignedString(generation) + " is no generation");
        }
        if (ballastBytes < 0) {
            throw new IllegalArgumentException(Long.toUnsignedString(ballastBytes) + " bytes is no ballast size");
        }
    }

    /**
     * A change as inventory keeps it.
     *
     * @param seq its place among the changes inventory kept, in the order they were seen
     * @param diskId the inventory disk {@code guestDisk} names; empty while it names none
     * @param previousBallastBytes the figure of the same kind before it for the same filesystem (a set's previous
     *     size, an answer's previous size in place); empty when none is kept
     */
    public record Kept(long seq, BudgetChange change, Optional<String> diskId, OptionalLong previousBallastBytes) {}
}
