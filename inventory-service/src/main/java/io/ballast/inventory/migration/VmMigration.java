package io.ballast.inventory.migration;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A VM's migration as libvirt's qemu hook told inventory of it: prepared by the destination's hook under {@link
 * #migrationId()} (reservation-service's holds on the target datastores carry that id), then committed or aborted.
 *
 * @param disks the VM's disks that move to another datastore; a disk on storage both hosts reach stays, and is not
 *     listed
 * @param expiresAt when the holds end without a commit
 * @param detail why it ended as it did (a refusal, a failure, an expiry); empty while open
 */
public record VmMigration(
        String vmId,
        String migrationId,
        String fromHostId,
        String toHostId,
        State state,
        List<Move> disks,
        Instant startedAt,
        Instant expiresAt,
        Optional<Instant> endedAt,
        String detail) {

    public VmMigration {
        disks = List.copyOf(disks);
    }

    /** Where a migration stands in inventory. */
    public enum State {
        /** Asked of reservation-service and not ended: its holds are pending or in place. */
        OPEN,
        COMMITTED,
        /** Refused, failed, or expired before a commit. */
        ABORTED
    }

    /** A disk that moves, and the datastore it goes to. */
    public record Move(String diskId, String toDatastoreId) {}
}
