package io.ballast.reservation.budget.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.reservation.budget.BudgetChange;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.DatastoreSnapshot;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.DiskFacts;
import io.ballast.reservation.budget.DiskSnapshot;
import io.ballast.reservation.budget.Mode;
import io.ballast.reservation.budget.Profile;
import io.ballast.reservation.budget.Room;
import io.ballast.reservation.budget.UsagePoint;
import io.ballast.support.inventory.GuestDiskNames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The engine's state in PostgreSQL (schema {@code reservation}): a datastore's row and its disks' rows, read under
 * the datastore row's lock and written back in the same transaction, and the ledger. Every method that locks or
 * writes runs in the caller's transaction ({@code MANDATORY}): a decision's reads, writes, ledger lines and outbox
 * events commit together or not at all. Lookups ({@code SUPPORTS}) also run outside one, to route an input to the
 * datastores a decision must lock; the decision checks under the lock that they still hold.
 */
@ApplicationScoped
@Transactional(Transactional.TxType.MANDATORY)
public class BudgetStore {

    private final DataSource dataSource;
    private final ObjectMapper json;
    private final TransactionSynchronizationRegistry transactions;

    BudgetStore(DataSource dataSource, ObjectMapper json, TransactionSynchronizationRegistry transactions) {
        this.dataSource = dataSource;
        this.json = json;
        this.transactions = transactions;
    }

    /**
     * The datastore with its disks, its row locked until the transaction ends: no other decision on it, in this
     * instance or another, runs before this one commits or rolls back.
     */
    public Optional<Datastore> lock(String datastoreId) {
        return select(datastoreId, " FOR UPDATE");
    }

    /**
     * {@link #lock} unless another transaction holds the lock: then empty at once (a periodic pass skips a datastore
     * a decision is busy with rather than queue behind it).
     */
    public Optional<Datastore> tryLock(String datastoreId) {
        return select(datastoreId, " FOR UPDATE SKIP LOCKED");
    }

    /** The datastore as last committed, without a lock: for reads, never to decide on. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Datastore> read(String datastoreId) {
        return select(datastoreId, "");
    }

    private Optional<Datastore> select(String datastoreId, String locking) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT state, spare_bytes FROM reservation.datastore WHERE id = ?" + locking)) {
            select.setString(1, datastoreId);
            DatastoreDocument document;
            AsRead asRead = asRead();
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                document = read(row.getString(1), DatastoreDocument.class);
                asRead.datastores.put(datastoreId, new DatastoreRow(document, row.getLong(2)));
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

    /** {@link #saveAll} of one datastore. */
    public void save(Datastore datastore) {
        saveAll(List.of(datastore));
    }

    /**
     * Writes the datastores and their disks back, only what differs from what this transaction read or wrote; then
     * disks no longer on a datastore (removed, or moved to another of {@code datastores}) lose their row there unless
     * another datastore's save took them. Every datastore is written before any row is removed, so a disk moving
     * between two of them keeps its row, usage history included.
     */
    public void saveAll(Collection<Datastore> datastores) {
        AsRead asRead = asRead();
        try (Connection connection = dataSource.getConnection()) {
            for (Datastore datastore : datastores) {
                write(connection, datastore, asRead);
            }
            for (Datastore datastore : datastores) {
                removeGone(connection, datastore, asRead);
            }
        } catch (SQLException e) {
            throw new StoreException(
                    "saving datastores "
                            + datastores.stream().map(Datastore::id).toList(),
                    e);
        }
    }

    private void write(Connection connection, Datastore datastore, AsRead asRead) throws SQLException {
        DatastoreRow row = new DatastoreRow(
                DatastoreDocument.of(datastore.snapshot()), Room.of(datastore).spareBytes());
        if (!row.equals(asRead.datastores.get(datastore.id()))) {
            try (PreparedStatement update = connection.prepareStatement(
                    "UPDATE reservation.datastore SET state = ?::jsonb, spare_bytes = ?, updated_at = now() WHERE id = ?")) {
                update.setString(1, write(row.document()));
                update.setLong(2, row.spareBytes());
                update.setString(3, datastore.id());
                if (update.executeUpdate() != 1) {
                    throw new StoreException("datastore " + datastore.id() + " has no row to save into", null);
                }
            }
            asRead.datastores.put(datastore.id(), row);
        }
        try (PreparedStatement upsert = connection.prepareStatement("""
                INSERT INTO reservation.disk (id, datastore_id, vm_id, serial, state, history)
                VALUES (?, ?, ?, ?, ?::jsonb, COALESCE(?::jsonb, '[]'::jsonb))
                ON CONFLICT (id) DO UPDATE SET datastore_id = excluded.datastore_id, vm_id = excluded.vm_id,
                    serial = excluded.serial, state = excluded.state, updated_at = now(),
                    history = CASE WHEN ? THEN excluded.history ELSE reservation.disk.history END
                """)) {
            for (Disk disk : datastore.disks()) {
                DiskSnapshot state = disk.snapshotWithoutHistory();
                Optional<List<UsagePoint>> history =
                        disk.history().pointsIfRead().filter(points -> !points.equals(asRead.histories.get(disk.id())));
                if (state.equals(asRead.states.get(disk.id())) && history.isEmpty()) {
                    continue;
                }
                asRead.states.put(disk.id(), state);
                history.ifPresent(points -> asRead.histories.put(disk.id(), points));
                upsert.setString(1, disk.id());
                upsert.setString(2, datastore.id());
                upsert.setString(3, disk.vmId());
                upsert.setString(4, disk.serial());
                upsert.setString(5, write(state));
                upsert.setString(6, history.map(this::write).orElse(null));
                upsert.setBoolean(7, history.isPresent());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    private void removeGone(Connection connection, Datastore datastore, AsRead asRead) throws SQLException {
        Set<String> kept = new HashSet<>();
        datastore.disks().forEach(disk -> kept.add(disk.id()));
        Set<String> read = asRead.diskIdsOn.getOrDefault(datastore.id(), Set.of());
        if (kept.containsAll(read)) {
            return; // no disk read on it has left it
        }
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM reservation.disk WHERE datastore_id = ? AND NOT (id = ANY (?))")) {
            delete.setString(1, datastore.id());
            delete.setArray(2, connection.createArrayOf("text", kept.toArray()));
            delete.executeUpdate();
        }
        asRead.diskIdsOn.put(datastore.id(), kept);
    }

    /** The datastore a disk is on, as the store last saved it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> datastoreOf(String diskId) {
        return single("SELECT datastore_id FROM reservation.disk WHERE id = ?", diskId);
    }

    // ---- lookups that route an input to its datastore -----------------------------------------------------------

    /** Every datastore's id, in id order. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> datastoreIds() {
        return list("SELECT id FROM reservation.datastore ORDER BY id", List.of(), row -> row.getString(1));
    }

    /** Datastore ids after {@code after} (exclusive), in id order, at most {@code limit}. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> datastoreIds(Optional<String> after, int limit) {
        return list(
                "SELECT id FROM reservation.datastore WHERE id > ? ORDER BY id LIMIT " + limit,
                List.of(after.orElse("")),
                row -> row.getString(1));
    }

    /** Every datastore's spare room as of its last save (what {@link Room#of} gave then). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Room> rooms() {
        return list(
                "SELECT id, spare_bytes FROM reservation.datastore ORDER BY id",
                List.of(),
                row -> new Room(row.getString(1), row.getLong(2)));
    }

    /** The datastores holding some disk of {@code vmId}, in id order. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> datastoresOfVm(String vmId) {
        return list(
                "SELECT DISTINCT datastore_id FROM reservation.disk WHERE vm_id = ? ORDER BY datastore_id",
                List.of(vmId),
                row -> row.getString(1));
    }

    /** Removes a datastore that holds no disk; false (nothing removed) when it still holds one. */
    public boolean removeDatastoreIfEmpty(String datastoreId) {
        return update(
                        "DELETE FROM reservation.datastore d WHERE id = ?"
                                + " AND NOT EXISTS (SELECT 1 FROM reservation.disk WHERE datastore_id = d.id)",
                        datastoreId)
                > 0;
    }

    /** A disk as an agent's report is matched to it. */
    public record GuestDisk(String diskId, String vmId, String datastoreId, String serial, String guestName) {}

    /** The disks inventory places on {@code vmId}. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<GuestDisk> disksOfVm(String vmId) {
        return list(
                "SELECT id, vm_id, datastore_id, serial, guest_name FROM reservation.disk WHERE vm_id = ? ORDER BY id",
                List.of(vmId),
                BudgetStore::guestDisk);
    }

    /**
     * The disks of any VM that {@code guestName} (a name an agent reported) could mean: by id, or as their serial
     * ({@link GuestDiskNames#names}). Used to say whose disk an unattributed report was about.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<GuestDisk> disksNamed(String guestName) {
        return list(
                "SELECT id, vm_id, datastore_id, serial, guest_name FROM reservation.disk WHERE id = ? OR (serial <> ''"
                        + " AND (serial = ? OR right(?, length(serial) + 1) IN ('-' || serial, '_' || serial)))"
                        + " ORDER BY id",
                List.of(guestName, guestName, guestName),
                BudgetStore::guestDisk);
    }

    /** Remembers the name {@code diskId}'s agent gives it, for the commands sent to that agent. */
    public void nameInGuest(String diskId, String guestName) {
        update(
                "UPDATE reservation.disk SET guest_name = ? WHERE id = ? AND guest_name IS DISTINCT FROM ?",
                guestName,
                diskId,
                guestName);
    }

    /** The name {@code diskId}'s agent gave it last, if it reported it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> guestName(String diskId) {
        return single("SELECT guest_name FROM reservation.disk WHERE id = ? AND guest_name <> ''", diskId);
    }

    /** Records that reclaim job {@code jobId} is for {@code diskId} (a resend records nothing new). */
    public void reclaimJobFor(String jobId, String diskId) {
        update(
                "INSERT INTO reservation.reclaim_job (job_id, disk_id) VALUES (?, ?) ON CONFLICT (job_id) DO NOTHING",
                jobId,
                diskId);
    }

    /** The disk reclaim job {@code jobId} was for, if this service asked for it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> diskOfReclaimJob(String jobId) {
        return single("SELECT disk_id FROM reservation.reclaim_job WHERE job_id = ?", jobId);
    }

    /** What kind of request a {@link #requestAt} row is. */
    public enum RequestKind {
        GROWTH,
        MIGRATION
    }

    /** Records that the datastore {@code datastoreId} keeps request {@code id}. */
    public void requestAt(RequestKind kind, String id, String datastoreId) {
        update(
                "INSERT INTO reservation.request (kind, id, datastore_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                kind.name().toLowerCase(java.util.Locale.ROOT),
                id,
                datastoreId);
    }

    /** The datastores that keep request {@code id}, in id order (a migration's disks may go to several). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> requestDatastores(RequestKind kind, String id) {
        return list(
                "SELECT datastore_id FROM reservation.request WHERE kind = ? AND id = ? ORDER BY datastore_id",
                List.of(kind.name().toLowerCase(java.util.Locale.ROOT), id),
                row -> row.getString(1));
    }

    // ---- disks described before their datastore -------------------------------------------------------------------

    /** Keeps a disk inventory described on {@code datastoreId} before that datastore, until it is described. */
    public void waitForDatastore(DiskFacts facts, String datastoreId) {
        update(
                "INSERT INTO reservation.disk_waiting (disk_id, datastore_id, facts) VALUES (?, ?, ?::jsonb)"
                        + " ON CONFLICT (disk_id) DO UPDATE SET datastore_id = excluded.datastore_id,"
                        + " facts = excluded.facts, since = now()",
                facts.diskId(),
                datastoreId,
                write(facts));
    }

    /** The disks waiting for {@code datastoreId}, taken off the list (in the caller's transaction). */
    public List<DiskFacts> takeWaitingFor(String datastoreId) {
        List<DiskFacts> waiting = list(
                "DELETE FROM reservation.disk_waiting WHERE datastore_id = ? RETURNING facts::text",
                List.of(datastoreId),
                row -> read(row.getString(1), DiskFacts.class));
        return waiting.stream()
                .sorted(java.util.Comparator.comparing(DiskFacts::diskId))
                .toList();
    }

    /** Forgets a waiting disk (inventory removed it, or described it on a known datastore); false when none waited. */
    public boolean stopWaiting(String diskId) {
        return update("DELETE FROM reservation.disk_waiting WHERE disk_id = ?", diskId) > 0;
    }

    // ---- what inventory says of VMs and profiles ------------------------------------------------------------------

    /** A VM as inventory last described it. */
    public record VmRow(String vmId, Optional<String> hostId, String profileName) {}

    public void upsertVm(VmRow vm) {
        update(
                "INSERT INTO reservation.vm (id, host_id, profile) VALUES (?, ?, ?)"
                        + " ON CONFLICT (id) DO UPDATE SET host_id = excluded.host_id, profile = excluded.profile",
                vm.vmId(),
                vm.hostId().orElse(""),
                vm.profileName());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<VmRow> vm(String vmId) {
        List<VmRow> rows = list(
                "SELECT id, host_id, profile FROM reservation.vm WHERE id = ?",
                List.of(vmId),
                row -> new VmRow(
                        row.getString(1),
                        Optional.of(row.getString(2)).filter(host -> !host.isEmpty()),
                        row.getString(3)));
        return rows.stream().findFirst();
    }

    public void removeVm(String vmId) {
        update("DELETE FROM reservation.vm WHERE id = ?", vmId);
    }

    /** The VMs that name profile {@code name}. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<String> vmsWithProfile(String name) {
        return list(
                "SELECT id FROM reservation.vm WHERE profile = ? ORDER BY id", List.of(name), row -> row.getString(1));
    }

    public void upsertProfile(Profile profile) {
        update(
                "INSERT INTO reservation.profile (name, min_free_ratio, desired_free_ratio, priority) VALUES (?, ?, ?, ?)"
                        + " ON CONFLICT (name) DO UPDATE SET min_free_ratio = excluded.min_free_ratio,"
                        + " desired_free_ratio = excluded.desired_free_ratio, priority = excluded.priority",
                profile.name(),
                profile.minFreeRatio(),
                profile.desiredFreeRatio(),
                profile.priority());
    }

    /** The profile named {@code name}; {@link Profile#DEFAULT} for a VM that names none or one not known yet. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Profile profile(String name) {
        return name.isBlank() ? Profile.DEFAULT : knownProfile(name).orElse(Profile.DEFAULT);
    }

    /**
     * The profile named {@code name} as inventory last published it; {@link Profile#DEFAULT} for its own name unless
     * inventory published one of that name; empty for any other name inventory has not published.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Profile> knownProfile(String name) {
        return list(
                        "SELECT name, min_free_ratio, desired_free_ratio, priority FROM reservation.profile WHERE name = ?",
                        List.of(name),
                        row -> new Profile(row.getString(1), row.getDouble(2), row.getDouble(3), row.getInt(4)))
                .stream()
                .findFirst()
                .or(() -> Optional.of(Profile.DEFAULT)
                        .filter(profile -> profile.name().equals(name)));
    }

    @FunctionalInterface
    private interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    private <T> List<T> list(String sql, List<Object> parameters, RowReader<T> reader) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.size(); i++) {
                select.setObject(i + 1, parameters.get(i));
            }
            List<T> rows = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    rows.add(reader.read(row));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new StoreException("reading " + parameters, e);
        }
    }

    private int update(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < parameters.length; i++) {
                statement.setObject(i + 1, parameters[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("writing " + List.of(parameters), e);
        }
    }

    private static GuestDisk guestDisk(ResultSet row) throws SQLException {
        return new GuestDisk(row.getString(1), row.getString(2), row.getString(3), row.getString(4), row.getString(5));
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
    @Transactional(Transactional.TxType.SUPPORTS)
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
                AsRead asRead = asRead();
                Set<String> ids = new HashSet<>();
                while (rows.next()) {
                    DiskSnapshot snapshot = read(rows.getString(1), DiskSnapshot.class);
                    Disk disk = Disk.restore(snapshot);
                    disk.history().restoreLater(() -> historyOf(disk.id(), asRead), snapshot.forecast());
                    asRead.states.put(disk.id(), snapshot);
                    ids.add(disk.id());
                    disks.add(disk);
                }
                asRead.diskIdsOn.put(datastoreId, ids);
            }
        }
        return disks;
    }

    /**
     * A disk's usage history as stored, read when the engine first needs it (in the decision's transaction, under
     * its datastore's lock, like the rest of the disk).
     */
    private List<UsagePoint> historyOf(String diskId, AsRead asRead) {
        List<UsagePoint> points = single("SELECT history FROM reservation.disk WHERE id = ?", diskId)
                .map(text -> {
                    try {
                        return json.readValue(text, HISTORY);
                    } catch (JsonProcessingException e) {
                        throw new StoreException("the stored usage history of " + diskId + " does not read back", e);
                    }
                })
                .orElse(List.of());
        asRead.histories.put(diskId, points);
        return points;
    }

    private static final TypeReference<List<UsagePoint>> HISTORY = new TypeReference<>() {};

    /**
     * The rows as this transaction read or last wrote them: a save writes only what differs (compared as values, not
     * as JSON, whose numbers read back as other node types), so a decision about one disk rewrites one row, not the
     * datastore's hundreds, and a history nothing read is not written at all.
     */
    private static final class AsRead {
        final Map<String, DatastoreRow> datastores = new HashMap<>();
        final Map<String, DiskSnapshot> states = new HashMap<>();
        final Map<String, List<UsagePoint>> histories = new HashMap<>();
        final Map<String, Set<String>> diskIdsOn = new HashMap<>();
    }

    /** A datastore's row: its document and the spare room saved beside it. */
    private record DatastoreRow(DatastoreDocument document, long spareBytes) {}

    private AsRead asRead() {
        if (transactions.getTransactionStatus() != Status.STATUS_ACTIVE) {
            return new AsRead(); // a read outside a decision: nothing will be saved
        }
        Object known = transactions.getResource(DISKS_AS_READ);
        if (known == null) {
            known = new AsRead();
            transactions.putResource(DISKS_AS_READ, known);
        }
        return (AsRead) known;
    }

    private static final Object DISKS_AS_READ = new Object();

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
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new StoreException("a stored " + type.getSimpleName() + " does not read back: " + e.getMessage(), e);
        }
    }

    private <T> T read(JsonNode tree, Class<T> type) {
        try {
            return json.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
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
