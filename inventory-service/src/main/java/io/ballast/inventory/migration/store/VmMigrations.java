package io.ballast.inventory.migration.store;

import io.ballast.inventory.migration.VmMigration;
import io.ballast.inventory.store.NativeRows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The newest migration of each VM that libvirt's hook told of ({@code inventory.vm_migration}). Ending one is a
 * conditional update of an open row, so two instances (or a hook and the reconciler) that end it at once record one
 * end.
 */
@ApplicationScoped
@Transactional
public class VmMigrations {

    private static final String COLUMNS =
            "vm_id, migration_id, from_host_id, to_host_id, state, disks, started_at, expires_at, ended_at, detail";

    private final EntityManager entities;

    VmMigrations(EntityManager entities) {
        this.entities = entities;
    }

    /** The VM's newest migration, whatever its state. */
    public Optional<VmMigration> of(String vmId) {
        return NativeRows.rows(entities, "SELECT " + COLUMNS + " FROM inventory.vm_migration WHERE vm_id = ?1", vmId)
                .stream()
                .findFirst()
                .map(VmMigrations::migration);
    }

    /**
     * Records {@code migration} as the VM's newest, in place of the one before.
     *
     * @return false, recording nothing, while the one before is still open
     */
    public boolean start(VmMigration migration) {
        return !NativeRows.rows(
                        entities,
                        "INSERT INTO inventory.vm_migration AS m (vm_id, migration_id, from_host_id, to_host_id, state, disks,"
                                + " started_at, expires_at, ended_at, detail) VALUES (?1, ?2, ?3, ?4, 'OPEN', ?5, ?6, ?7, NULL, '')"
                                + " ON CONFLICT (vm_id) DO UPDATE SET migration_id = excluded.migration_id,"
                                + " from_host_id = excluded.from_host_id, to_host_id = excluded.to_host_id, state = 'OPEN',"
                                + " disks = excluded.disks, started_at = excluded.started_at,"
                                + " expires_at = excluded.expires_at, ended_at = NULL, detail = ''"
                                + " WHERE m.state <> 'OPEN' RETURNING vm_id, migration_id",
                        migration.vmId(),
                        migration.migrationId(),
                        migration.fromHostId(),
                        migration.toHostId(),
                        lines(migration.disks()),
                        migration.startedAt(),
                        migration.expiresAt())
                .isEmpty();
    }

    /**
     * Ends the open migration {@code migrationId} as {@code state}.
     *
     * @return whether this call ended it (false when it had ended already)
     */
    public boolean end(String migrationId, VmMigration.State state, String detail) {
        return !NativeRows.rows(
                        entities,
                        "UPDATE inventory.vm_migration SET state = ?2, ended_at = now(), detail = ?3"
                                + " WHERE migration_id = ?1 AND state = 'OPEN' RETURNING vm_id, migration_id",
                        migrationId,
                        state.name(),
                        detail)
                .isEmpty();
    }

    /**
     * Leaves the open migration {@code migrationId} open but expired now, with {@code detail}: the reconciler aborts
     * it at its next look (an abort reservation-service did not answer, asked again).
     */
    public void expireNow(String migrationId, String detail) {
        NativeRows.rows(
                entities,
                "UPDATE inventory.vm_migration SET expires_at = least(expires_at, now()), detail = ?2"
                        + " WHERE migration_id = ?1 AND state = 'OPEN' RETURNING vm_id, migration_id",
                migrationId,
                detail);
    }

    /** The open migrations, the soonest to expire first. */
    public List<VmMigration> open() {
        return NativeRows.rows(
                        entities,
                        "SELECT " + COLUMNS + " FROM inventory.vm_migration WHERE state = 'OPEN' ORDER BY expires_at")
                .stream()
                .map(VmMigrations::migration)
                .toList();
    }

    private static String lines(List<VmMigration.Move> disks) {
        StringBuilder text = new StringBuilder();
        for (VmMigration.Move move : disks) {
            text.append(move.diskId()).append('>').append(move.toDatastoreId()).append('\n');
        }
        return text.toString();
    }

    private static VmMigration migration(Object[] row) {
        List<VmMigration.Move> disks = new ArrayList<>();
        for (String line : ((String) row[5]).split("\n")) {
            int arrow = line.indexOf('>');
            if (arrow > 0) {
                disks.add(new VmMigration.Move(line.substring(0, arrow), line.substring(arrow + 1)));
            }
        }
        return new VmMigration(
                (String) row[0],
                (String) row[1],
                (String) row[2],
                (String) row[3],
                VmMigration.State.valueOf((String) row[4]),
                disks,
                NativeRows.instant(row[6]),
                NativeRows.instant(row[7]),
                Optional.ofNullable(row[8]).map(NativeRows::instant),
                (String) row[9]);
    }
}
