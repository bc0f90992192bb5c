package io.ballast.reservation.budget;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A datastore and everything that counts against its space: its disks, holds, and the growths and migrations in
 * flight on it. The unit every decision is made on: one datastore's aggregate is read, changed by the engine and
 * written back under its lock, so two decisions on one datastore never interleave.
 */
public final class Datastore {

    private final String id;
    private long capacityBytes;
    private long otherBytes;
    private DatastorePolicy policy;
    private final Map<String, Disk> disks = new TreeMap<>();
    private final Map<String, Hold> holds = new TreeMap<>();
    private final Map<String, Growth> growths = new LinkedHashMap<>();
    private final Map<String, Migration> migrations = new LinkedHashMap<>();
    private final TreeSet<String> activeAlerts = new TreeSet<>();

    public Datastore(String id, long capacityBytes, long otherBytes, DatastorePolicy policy) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a datastore id is required");
        }
        this.id = id;
        this.policy = Objects.requireNonNull(policy);
        size(capacityBytes, otherBytes);
    }

    /** A deep copy: what a store would give back after this state was saved. */
    public Datastore copy() {
        return restore(snapshot(), disks.values().stream().map(Disk::copy).toList());
    }

    /** This datastore as a value, its disks apart (each is a {@link DiskSnapshot} of its own). */
    public DatastoreSnapshot snapshot() {
        return new DatastoreSnapshot(
                id,
                capacityBytes,
                otherBytes,
                policy,
                List.copyOf(holds.values()),
                List.copyOf(growths.values()),
                List.copyOf(migrations.values()),
                List.copyOf(activeAlerts));
    }

    /** The datastore a snapshot was taken of, with its disks. */
    public static Datastore restore(DatastoreSnapshot snapshot, Collection<Disk> disks) {
        Datastore datastore =
                new Datastore(snapshot.id(), snapshot.capacityBytes(), snapshot.otherBytes(), snapshot.policy());
        disks.forEach(datastore::add);
        snapshot.holds().forEach(datastore::hold);
        snapshot.growths().forEach(datastore::growth);
        snapshot.migrations().forEach(datastore::migration);
        datastore.activeAlerts.addAll(snapshot.activeAlerts());
        return datastore;
    }

    /** The invariant's terms now. */
    public InvariantTerms terms() {
        long usable = Math.max(0, capacityBytes - policy.reserveBytes());
        long limit = policy.mode().limitBytes(usable);
        long demand = 0;
        long ballast = 0;
        for (Disk disk : disks.values()) {
            demand += disk.worstCaseDemandBytes();
            ballast += disk.countedBallastBytes();
        }
        long held = holdBytes();
        return new InvariantTerms(
                capacityBytes,
                policy.reserveBytes(),
                limit,
                demand,
                otherBytes,
                held,
                ballast,
                limit - demand - otherBytes - held);
    }

    /**
     * The space budgets may share out: the limit less other usage, holds, migrations still waiting for their hold,
     * and the disks' overheads.
     */
    public long budgetableBytes() {
        long overheads = disks.values().stream().mapToLong(Disk::overheadBytes).sum();
        return terms().limitBytes() - otherBytes - holdBytes() - pendingMigrationBytes() - overheads;
    }

    /**
     * The demand once everything in flight has settled: each disk at its budget (or above, where its filesystems
     * cannot hold the ballast the budget needs), overheads, other usage, holds and migrations waiting for theirs.
     */
    public long budgetedDemandBytes() {
        long total = otherBytes + holdBytes() + pendingMigrationBytes();
        for (Disk disk : disks.values()) {
            total += disk.settledEffectiveBytes(disk.budgetBytes()) + disk.overheadBytes();
        }
        return total;
    }

    private long holdBytes() {
        return holds.values().stream().mapToLong(Hold::bytes).sum();
    }

    private long pendingMigrationBytes() {
        return migrations.values().stream()
                .filter(m -> m.state() == Migration.State.PENDING)
                .mapToLong(Migration::needBytes)
                .sum();
    }

    void size(long capacity, long other) {
        if (capacity < 0 || other < 0) {
            throw new IllegalArgumentException(
                    "datastore " + id + ": capacity " + capacity + " and other usage " + other + " bytes");
        }
        this.capacityBytes = capacity;
        this.otherBytes = other;
    }

    void policy(DatastorePolicy newPolicy) {
        this.policy = Objects.requireNonNull(newPolicy);
    }

    void add(Disk disk) {
        disks.put(disk.id(), disk);
    }

    Optional<Disk> remove(String diskId) {
        return Optional.ofNullable(disks.remove(diskId));
    }

    void hold(Hold hold) {
        holds.put(hold.id(), hold);
    }

    Optional<Hold> release(String holdId) {
        return Optional.ofNullable(holds.remove(holdId));
    }

    void growth(Growth growth) {
        growths.put(growth.id(), growth);
    }

    void migration(Migration migration) {
        migrations.put(migration.id() + "/" + migration.diskId(), migration);
    }

    /**
     * Forgets growths and migrations that ended (granted, refused, expired, committed, aborted) and began before
     * {@code before}: the ledger keeps what they changed.
     */
    void forgetEnded(java.time.Instant before) {
        growths.values()
                .removeIf(g ->
                        g.state() != Growth.State.PENDING && g.requestedAt().isBefore(before));
        migrations.values().removeIf(m -> !m.open() && m.preparedAt().isBefore(before));
    }

    /** Marks an alert raised; false when it already was (so it is sent once while its condition lasts). */
    boolean raise(String alertKey) {
        return activeAlerts.add(alertKey);
    }

    /** Marks an alert's condition over; true when it was raised. */
    boolean clear(String alertKey) {
        return activeAlerts.remove(alertKey);
    }

    public String id() {
        return id;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    public long otherBytes() {
        return otherBytes;
    }

    public DatastorePolicy policy() {
        return policy;
    }

    public Collection<Disk> disks() {
        return List.copyOf(disks.values());
    }

    public Optional<Disk> disk(String diskId) {
        return Optional.ofNullable(disks.get(diskId));
    }

    public Collection<Hold> holds() {
        return List.copyOf(holds.values());
    }

    public Collection<Growth> growths() {
        return List.copyOf(growths.values());
    }

    public Optional<Growth> growth(String growthId) {
        return Optional.ofNullable(growths.get(growthId));
    }

    public Collection<Migration> migrations() {
        return List.copyOf(migrations.values());
    }

    public Optional<Migration> migration(String migrationId, String diskId) {
        return Optional.ofNullable(migrations.get(migrationId + "/" + diskId));
    }

    /** The alerts whose condition still holds (each a kind and what it is about). */
    public Collection<String> activeAlerts() {
        return List.copyOf(activeAlerts);
    }

    @Override
    public String toString() {
        return "Datastore[" + id + ", " + disks.size() + " disks, " + terms() + "]";
    }
}
