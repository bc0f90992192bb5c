package io.ballast.reservation.budget.store;

import io.ballast.reservation.budget.BudgetEngine;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.FormatOverhead;
import io.ballast.reservation.budget.Growth;
import io.ballast.reservation.budget.Migration;
import io.ballast.reservation.budget.Outlook;
import io.ballast.reservation.budget.Placement;
import io.ballast.reservation.budget.Profile;
import io.ballast.reservation.budget.Room;
import io.ballast.reservation.budget.store.BudgetStore.RequestKind;
import io.ballast.support.errors.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The requests of orchestrators and operators, as REST and gRPC both serve them: each one decided in one transaction
 * through {@link Decisions} (a refusal changes nothing: no ledger line, no event), and the reads, from the store as
 * last committed.
 */
@ApplicationScoped
public class BudgetRequests {

    /** The most entries one page of a list holds. */
    public static final int MAX_PAGE = 1000;

    /** What an id a caller gives a growth or a migration looks like. */
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}";

    private static final Pattern ID = Pattern.compile(ID_PATTERN);

    private final Decisions decisions;
    private final BudgetStore store;
    private final BudgetEngine engine;
    private final Clock clock;

    BudgetRequests(Decisions decisions, BudgetStore store, BudgetEngine engine, Clock clock) {
        this.decisions = decisions;
        this.store = store;
        this.engine = engine;
        this.clock = clock;
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    /** A page of datastores in id order, after {@code after}; {@code next} is the cursor of the page after. */
    public record DatastorePage(List<Datastore> datastores, Optional<String> next) {}

    public DatastorePage datastores(Optional<String> after, int limit) {
        requirePage(limit);
        List<String> ids = store.datastoreIds(after, limit + 1);
        List<Datastore> page = ids.stream()
                .limit(limit)
                .map(store::read)
                .flatMap(Optional::stream)
                .toList();
        return new DatastorePage(page, ids.size() > limit ? Optional.of(ids.get(limit - 1)) : Optional.empty());
    }

    public Datastore datastore(String datastoreId) {
        return store.read(datastoreId).orElseThrow(() -> new Refusal.NotFound("datastore", datastoreId));
    }

    /** Each datastore's outlook (time to full, the migration recommended), against the other datastores' room now. */
    public Map<String, Outlook> outlooks(Collection<Datastore> datastores) {
        List<Room> rooms = store.rooms();
        Map<String, Outlook> outlooks = new TreeMap<>();
        for (Datastore datastore : datastores) {
            outlooks.put(datastore.id(), engine.outlook(datastore, others(rooms, datastore.id())));
        }
        return outlooks;
    }

    /** A disk with the datastore it is on. */
    public record DiskOn(Disk disk, Datastore datastore) {}

    public DiskOn disk(String diskId) {
        Datastore datastore =
                store.datastoreOf(diskId).flatMap(store::read).orElseThrow(() -> new Refusal.NotFound("disk", diskId));
        Disk disk = datastore.disk(diskId).orElseThrow(() -> new Refusal.NotFound("disk", diskId));
        return new DiskOn(disk, datastore);
    }

    public Growth growth(String growthId) {
        return store.requestDatastores(RequestKind.GROWTH, growthId).stream()
                .map(store::read)
                .flatMap(Optional::stream)
                .flatMap(datastore -> datastore.growth(growthId).stream())
                .findFirst()
                .orElseThrow(() -> new Refusal.NotFound("growth", growthId));
    }

    /** A migration's disks, each as its target datastore keeps it. */
    public List<Migration> migration(String migrationId) {
        List<Migration> disks = migrationsOf(
                migrationId,
                store.requestDatastores(RequestKind.MIGRATION, migrationId).stream()
                        .map(store::read)
                        .flatMap(Optional::stream)
                        .toList());
        if (disks.isEmpty()) {
            throw new Refusal.NotFound("migration", migrationId);
        }
        return disks;
    }

    // ---- decisions ---------------------------------------------------------------------------------------------

    /** An operator's policy for a datastore. */
    public Datastore policy(String datastoreId, DatastorePolicy policy) {
        return decisions.on(List.of(datastoreId), locked -> {
            Datastore datastore = locked.get(datastoreId);
            locked.keep(engine.policyChanged(datastore, policy, clock.instant()));
            return datastore;
        });
    }

    /**
     * A growth request. {@code growthId} makes it idempotent: the same id again answers the growth as it stands.
     *
     * @throws Refusal.InvalidInput for a growth id used for another disk
     */
    public Growth requestGrowth(Optional<String> growthId, String diskId, long additionalBytes) {
        String id = growthId.orElseGet(() -> UUID.randomUUID().toString());
        List<Room> rooms = store.rooms();
        String datastoreId = store.datastoreOf(diskId).orElseThrow(() -> new Refusal.NotFound("disk", diskId));
        return decisions.on(List.of(datastoreId), locked -> {
            Datastore datastore = locked.get(datastoreId);
            if (datastore.disk(diskId).isEmpty()) {
                throw new Refusal.Aborted("disk " + diskId + " moved while the growth was decided; ask again");
            }
            Optional<Growth> known = datastore.growth(id).or(() -> elsewhere(id, datastoreId));
            if (known.isPresent() && !known.get().diskId().equals(diskId)) {
                throw new Refusal.InvalidInput(
                        "growthId",
                        "growth " + id + " was asked for disk " + known.get().diskId() + ", not " + diskId);
            }
            BudgetEngine.GrowthOutcome outcome = engine.requestGrowth(
                    datastore, id, diskId, additionalBytes, others(rooms, datastoreId), clock.instant());
            locked.keep(outcome.decision());
            store.requestAt(RequestKind.GROWTH, id, datastoreId);
            return outcome.growth();
        });
    }

    private Optional<Growth> elsewhere(String growthId, String exceptDatastoreId) {
        return store.requestDatastores(RequestKind.GROWTH, growthId).stream()
                .filter(id -> !id.equals(exceptDatastoreId))
                .map(store::read)
                .flatMap(Optional::stream)
                .flatMap(datastore -> datastore.growth(growthId).stream())
                .findFirst();
    }

    /** An operator's ballast for a disk, or (empty) the planner's again. */
    public DiskOn override(String diskId, Optional<Long> ballastBytes) {
        String datastoreId = store.datastoreOf(diskId).orElseThrow(() -> new Refusal.NotFound("disk", diskId));
        return decisions.on(List.of(datastoreId), locked -> {
            Datastore datastore = locked.get(datastoreId);
            locked.keep(engine.override(datastore, diskId, ballastBytes, clock.instant()));
            return new DiskOn(datastore.disk(diskId).orElseThrow(), datastore);
        });
    }

    /** Where one disk of a migration goes. */
    public record Destination(String diskId, String toDatastoreId) {}

    /**
     * Prepares a migration of {@code destinations}: a hold on each target. {@code migrationId} makes it idempotent.
     *
     * @throws Refusal.InvalidInput for no disks, a disk named twice, or a TTL outside 1 s to a day
     */
    public List<Migration> prepareMigration(
            Optional<String> migrationId, List<Destination> destinations, Duration ttl) {
        if (destinations.isEmpty()) {
            throw new Refusal.InvalidInput("disks", "a migration moves at least one disk");
        }
        if (destinations.stream().map(Destination::diskId).distinct().count() != destinations.size()) {
            throw new Refusal.InvalidInput("disks", "a disk is named twice");
        }
        migrationId.filter(given -> !ID.matcher(given).matches()).ifPresent(given -> {
            throw new Refusal.InvalidInput(
                    "migrationId", "must be a letter or digit, then up to 199 of A-Z a-z 0-9 . _ : / -");
        });
        String id = migrationId.orElseGet(() -> UUID.randomUUID().toString());
        Map<String, String> sources = new TreeMap<>();
        Set<String> ids = new TreeSet<>();
        for (Destination destination : destinations) {
            String source = store.datastoreOf(destination.diskId())
                    .orElseThrow(() -> new Refusal.NotFound("disk", destination.diskId()));
            sources.put(destination.diskId(), source);
            ids.add(source);
            ids.add(destination.toDatastoreId());
        }
        return decisions.on(ids, locked -> {
            Instant now = clock.instant();
            List<Migration> prepared = new ArrayList<>();
            for (Destination destination : destinations) {
                Datastore source = locked.get(sources.get(destination.diskId()));
                Datastore target = locked.get(destination.toDatastoreId());
                if (source.disk(destination.diskId()).isEmpty()
                        && target.migration(id, destination.diskId()).isEmpty()) {
                    throw new Refusal.Aborted(
                            "disk " + destination.diskId() + " moved while the migration was prepared; ask again");
                }
                BudgetEngine.MigrationOutcome outcome =
                        engine.prepareMigration(source, target, id, destination.diskId(), ttl, now);
                locked.keep(outcome.decision());
                store.requestAt(RequestKind.MIGRATION, id, target.id());
                prepared.add(outcome.migration());
            }
            return prepared;
        });
    }

    /**
     * Commits every disk of a prepared migration: budgets move to the targets, the sources free. Idempotent: a disk
     * committed before stays committed.
     *
     * @throws Refusal.FailedPrecondition for a disk still pending, aborted or expired
     */
    public List<Migration> commitMigration(String migrationId) {
        return onMigration(migrationId, (locked, migration, now) -> {
            if (migration.state() != Migration.State.COMMITTED) {
                Datastore source = locked.get(migration.fromDatastoreId());
                Datastore target = locked.get(migration.toDatastoreId());
                locked.keep(engine.commitMigration(source, target, migrationId, migration.diskId(), now));
            }
        });
    }

    /**
     * Aborts a migration: its holds are released. Idempotent, also after they expired.
     *
     * @throws Refusal.FailedPrecondition when a disk of it was committed already
     */
    public List<Migration> abortMigration(String migrationId) {
        return onMigration(migrationId, (locked, migration, now) -> {
            if (migration.state() == Migration.State.PENDING || migration.state() == Migration.State.PREPARED) {
                locked.keep(engine.abortMigration(
                        locked.get(migration.toDatastoreId()), migrationId, migration.diskId(), now));
            } else if (migration.state() == Migration.State.COMMITTED) {
                throw new Refusal.FailedPrecondition("migration " + migrationId + " of disk " + migration.diskId()
                        + " is committed: its budget is on " + migration.toDatastoreId() + " already");
            }
        });
    }

    @FunctionalInterface
    private interface MigrationStep {
        void decide(Decisions.Locked locked, Migration migration, Instant now);
    }

    private List<Migration> onMigration(String migrationId, MigrationStep step) {
        List<Migration> known = migration(migrationId);
        Set<String> ids = new TreeSet<>();
        for (Migration migration : known) {
            ids.add(migration.fromDatastoreId());
            ids.add(migration.toDatastoreId());
        }
        return decisions.on(ids, locked -> {
            Instant now = clock.instant();
            List<Migration> current = migrationsOf(migrationId, locked.all());
            for (Migration migration : current) {
                step.decide(locked, migration, now);
            }
            return migrationsOf(migrationId, locked.all());
        });
    }

    private static List<Migration> migrationsOf(String migrationId, Collection<Datastore> datastores) {
        return datastores.stream()
                .flatMap(datastore -> datastore.migrations().stream())
                .filter(migration -> migration.id().equals(migrationId))
                .filter(migration -> datastores.stream().anyMatch(d -> d.id().equals(migration.toDatastoreId())))
                .toList();
    }

    /**
     * Where a new VM's disk fits: on {@code datastoreId} when given, else on every datastore, best first. Reads
     * only; the orchestrator creates the disk through inventory.
     *
     * @param sparse whether its format keeps metadata beside the data (qcow2, VMDK sparse), counted as overhead
     * @param profileName a profile inventory published; {@link Profile#DEFAULT} when empty
     * @throws Refusal.InvalidInput for a profile inventory has not published, or sizes that make no disk
     * @throws Refusal.NotFound for an unknown datastore
     */
    public List<Placement.Option> placement(
            long designatedBytes,
            boolean sparse,
            long expectedUtilizedBytes,
            Optional<String> profileName,
            Optional<String> datastoreId) {
        Profile profile = profileName
                .filter(name -> !name.isBlank())
                .map(name -> store.knownProfile(name)
                        .orElseThrow(() -> new Refusal.InvalidInput(
                                "profile",
                                "no profile named '" + name + "' is known (inventory publishes profiles; '"
                                        + Profile.DEFAULT.name() + "' always is)")))
                .orElse(Profile.DEFAULT);
        Placement.Template template = new Placement.Template(
                designatedBytes,
                designatedBytes > 0 ? FormatOverhead.bytes(sparse, designatedBytes) : 0,
                expectedUtilizedBytes,
                profile);
        List<Datastore> candidates = datastoreId
                .filter(id -> !id.isBlank())
                .map(id -> List.of(datastore(id)))
                .orElseGet(() -> store.datastoreIds().stream()
                        .map(store::read)
                        .flatMap(Optional::stream)
                        .toList());
        return Placement.options(candidates, template);
    }

    /**
     * Bounds a VM to {@code bytes} of effective space over all its disks (shared in proportion to their designated
     * sizes across its datastores), each disk's ballast pinned to make it so.
     *
     * @return the pinned ballast per disk
     */
    public Map<String, Long> exportBound(String vmId, long bytes) {
        if (bytes <= 0) {
            throw new Refusal.InvalidInput("bytes", "must be positive, not " + bytes);
        }
        List<String> datastoreIds = store.datastoresOfVm(vmId);
        if (datastoreIds.isEmpty()) {
            throw new Refusal.NotFound("VM", vmId);
        }
        return decisions.on(datastoreIds, locked -> {
            Instant now = clock.instant();
            Map<String, Long> designatedByDatastore = new TreeMap<>();
            for (Datastore datastore : locked.all()) {
                long designated = datastore.disks().stream()
                        .filter(disk -> disk.vmId().equals(vmId))
                        .mapToLong(Disk::designatedBytes)
                        .sum();
                if (designated > 0) {
                    designatedByDatastore.put(datastore.id(), designated);
                }
            }
            long total = designatedByDatastore.values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
            Map<String, Long> ballasts = new TreeMap<>();
            long given = 0;
            int left = designatedByDatastore.size();
            for (Map.Entry<String, Long> entry : designatedByDatastore.entrySet()) {
                long share = --left == 0 ? bytes - given : (long) ((double) bytes * entry.getValue() / total);
                given += share;
                BudgetEngine.ExportBound bound = engine.exportBound(locked.get(entry.getKey()), vmId, share, now);
                locked.keep(bound.decision());
                ballasts.putAll(bound.ballastBytes());
            }
            return ballasts;
        });
    }

    private static List<Room> others(List<Room> rooms, String datastoreId) {
        return rooms.stream()
                .filter(room -> !room.datastoreId().equals(datastoreId))
                .toList();
    }

    private static void requirePage(int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new Refusal.InvalidInput("limit", "must be 1 to " + MAX_PAGE + ", not " + limit);
        }
    }
}
