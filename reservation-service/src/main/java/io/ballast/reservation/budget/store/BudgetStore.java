package io.ballast.reservation.budget.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.reservation.budget.BudgetChange;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.DatastoreSnapshot;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.DiskSnapshot;
import io.ballast.reservation.budget.Mode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The engine's state in PostgreSQL (schema {@code reservation}): a datastore's row and its disks' rows, read under
 * the datastore row's lock and written back in the same transaction, and the ledger. Every method runs in the
 * caller's transaction ({@code MANDATORY}): a decision's reads, writes, ledger lines and outbox events commit
 * together or not at all.
 */
@ApplicationScoped
@Transactional(Transactional.TxType.MANDATORY)
public class BudgetStore {

    private final DataSource dataSource;
    private final ObjectMapper json;

    BudgetStore(DataSource dataSource, ObjectMapper json) {
        this.dataSource = dataSource;
        this.json = json;
    }

    /**
     * The datastore with its disks, its row locked until the transaction ends: no other decision on it, in this
     * instance or another, runs before this one commits or rolls back.
     */
    public Optional<Datastore> lock(String datastoreId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT state FROM reservation.datastore WHERE id = ? FOR UPDATE")) {
            select.setString(1, datastoreId);
            DatastoreDocument document;
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                document = read(row.getString(1), DatastoreDocument.class);
            }
            return Optional.of(Datastore.restore(document.toSnapshot(), disksOf(connection, datastoreId)));
        } catch (SQLException e) {
            throw new StoreException("reading datastore " + datastoreId, e);
        }
    }

    /** Adds the datastore if it is new (nothing when it exists), then {@link #lock}s it. */
    public Datastore lockOrCreate(Datastore fresh) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO reservation.datastore (id, state) VALUES (?, ?::jsonb) ON CONFLICT (id) DO NOTHING")) {
            insert.setString(1, fresh.id());
            insert.setString(2, write(DatastoreDocument.of(fresh.snapshot())));
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("adding datastore " + fresh.id(), e);
        }
        return lock(fresh.id()).orElseThrow();
    }

    /**
     * Writes the datastore and its disks back; disks no longer on it (removed, or migrated to another datastore and
     * saved there) lose their row here unless another datastore's save took them.
     */
    public void save(Datastore datastore) {
        try (Connection connection = dataSource.getConnection()) {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE reservation.datastore SET state = ?::jsonb, updated_at = now() WHERE id = ?")) {
                update.setString(1, write(DatastoreDocument.of(datastore.snapshot())));
                update.setString(2, datastore.id());
                if (update.executeUpdate() != 1) {
                    throw new StoreException("datastore " + datastore.id() + " has no row to save into", null);
                }
            }
            Set<String> kept = new HashSet<>();
            try (PreparedStatement upsert = connection.prepareStatement("""
                    INSERT INTO reservation.disk (id, datastore_id, vm_id, serial, state) VALUES (?, ?, ?, ?, ?::jsonb)
                    ON CONFLICT (id) DO UPDATE SET datastore_id = excluded.datastore_id, vm_id = excluded.vm_id,
                        serial = excluded.serial, state = excluded.state, updated_at = now()
                    """)) {
                for (Disk disk : datastore.disks()) {
                    upsert.setString(1, disk.id());
                    upsert.setString(2, datastore.id());
                    upsert.setString(3, disk.vmId());
                    upsert.setString(4, disk.serial());
                    upsert.setString(5, write(disk.snapshot()));
                    upsert.addBatch();
                    kept.add(disk.id());
                }
                upsert.executeBatch();
            }
            try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM reservation.disk WHERE datastore_id = ? AND NOT (id = ANY (?))")) {
                delete.setString(1, datastore.id());
                delete.setArray(2, connection.createArrayOf("text", kept.toArray()));
                delete.executeUpdate();
            }
        } catch (SQLException e) {
            throw new StoreException("saving datastore " + datastore.id(), e);
        }
    }

    /** The datastore a disk is on, as the store last saved it. */
    public Optional<String> datastoreOf(String diskId) {
        return single("SELECT datastore_id FROM reservation.disk WHERE id = ?", diskId);
    }

    /** The disk of {@code vmId} whose guest-visible serial is {@code serial}. */
    public Optional<String> diskBySerial(String vmId, String serial) {
        if (serial.isBlank()) {
            return Optional.empty();
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT id FROM reservation.disk WHERE vm_id = ? AND serial = ?")) {
            select.setString(1, vmId);
            select.setString(2, serial);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("finding the disk of VM " + vmId + " with serial " + serial, e);
        }
    }

    /** Appends ledger lines. */
    public void append(List<BudgetChange> changes) {
        if (changes.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement("""
                        INSERT INTO reservation.ledger (datastore_id, disk_id, before_bytes, after_bytes, reason, at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """)) {
            for (BudgetChange change : changes) {
                insert.setString(1, change.datastoreId());
                insert.setString(2, change.diskId());
                insert.setLong(3, change.beforeBytes());
                insert.setLong(4, change.afterBytes());
                insert.setString(5, change.reason());
                insert.setTimestamp(6, Timestamp.from(change.at()));
                insert.addBatch();
            }
            insert.executeBatch();
        } catch (SQLException e) {
            throw new StoreException("appending " + changes.size() + " ledger lines", e);
        }
    }

    /** The most lines one page of the ledger holds. */
    public static final int MAX_PAGE = 1000;

    /**
     * A page of the ledger, newest first, filtered by disk and datastore when given.
     *
     * @param limit 1 to {@link #MAX_PAGE}
     * @throws io.ballast.support.errors.Refusal.InvalidInput for a limit outside that
     */
    public LedgerPage ledger(Optional<String> diskId, Optional<String> datastoreId, Optional<Long> before, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new io.ballast.support.errors.Refusal.InvalidInput(
                    "limit", "must be 1 to " + MAX_PAGE + ", not " + limit);
        }
        String sql = "SELECT id, datastore_id, disk_id, before_bytes, after_bytes, reason, at FROM reservation.ledger"
                + " WHERE (?::text IS NULL OR disk_id = ?) AND (?::text IS NULL OR datastore_id = ?)"
                + " AND (?::bigint IS NULL OR id < ?) ORDER BY id DESC LIMIT ?";
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, diskId.orElse(null));
            select.setString(2, diskId.orElse(null));
            select.setString(3, datastoreId.orElse(null));
            select.setString(4, datastoreId.orElse(null));
            select.setObject(5, before.orElse(null), java.sql.Types.BIGINT);
            select.setObject(6, before.orElse(null), java.sql.Types.BIGINT);
            select.setInt(7, limit + 1);
            List<LedgerPage.Line> lines = new ArrayList<>();
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    lines.add(new LedgerPage.Line(
                            rows.getLong(1),
                            new BudgetChange(
                                    rows.getString(2),
                                    rows.getString(3),
                                    rows.getLong(4),
                                    rows.getLong(5),
                                    rows.getString(6),
                                    rows.getTimestamp(7).toInstant())));
                }
            }
            Optional<Long> next =
                    lines.size() > limit ? Optional.of(lines.get(limit - 1).id()) : Optional.empty();
            return new LedgerPage(lines.subList(0, Math.min(limit, lines.size())), next);
        } catch (SQLException e) {
            throw new StoreException("reading the ledger", e);
        }
    }

    private List<Disk> disksOf(Connection connection, String datastoreId) throws SQLException {
        List<Disk> disks = new ArrayList<>();
        try (PreparedStatement select =
                connection.prepareStatement("SELECT state FROM reservation.disk WHERE datastore_id = ? ORDER BY id")) {
            select.setString(1, datastoreId);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    disks.add(Disk.restore(read(rows.getString(1), DiskSnapshot.class)));
                }
            }
        }
        return disks;
    }

    private Optional<String> single(String sql, String parameter) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            select.setString(1, parameter);
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? Optional.of(row.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("reading " + parameter, e);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new StoreException("a stored " + type.getSimpleName() + " does not read back: " + e.getMessage(), e);
        }
    }

    /** The datastore's row: its snapshot with the policy's mode spelled out (the mode is a sealed type). */
    record DatastoreDocument(
            String id,
            long capacityBytes,
            long otherBytes,
            String mode,
            double ratio,
            long reserveBytes,
            List<io.ballast.reservation.budget.Hold> holds,
            List<io.ballast.reservation.budget.Growth> growths,
            List<io.ballast.reservation.budget.Migration> migrations,
            List<String> activeAlerts) {

        static DatastoreDocument of(DatastoreSnapshot snapshot) {
            DatastorePolicy policy = snapshot.policy();
            double ratio = policy.mode() instanceof Mode.Relaxed relaxed ? relaxed.ratio() : 1.0;
            return new DatastoreDocument(
                    snapshot.id(),
                    snapshot.capacityBytes(),
                    snapshot.otherBytes(),
                    policy.mode() instanceof Mode.Relaxed ? "relaxed" : "strict",
                    ratio,
                    policy.reserveBytes(),
                    snapshot.holds(),
                    snapshot.growths(),
                    snapshot.migrations(),
                    snapshot.activeAlerts());
        }

        DatastoreSnapshot toSnapshot() {
            Mode restored = mode.equals("relaxed") ? new Mode.Relaxed(ratio) : new Mode.Strict();
            return new DatastoreSnapshot(
                    id,
                    capacityBytes,
                    otherBytes,
                    new DatastorePolicy(restored, reserveBytes),
                    holds,
                    growths,
                    migrations,
                    activeAlerts);
        }
    }

    /** The store could not read or write; the transaction rolls back, and the decision with it. */
    public static final class StoreException extends RuntimeException {
        StoreException(String what, Throwable cause) {
            super(what + (cause == null ? "" : ": " + cause.getMessage()), cause);
        }
    }
}
