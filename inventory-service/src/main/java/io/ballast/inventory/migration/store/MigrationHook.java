package io.ballast.inventory.migration.store;

import io.ballast.inventory.client.ReservationMigrations;
import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.DomainXml;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.fleet.store.FleetReads;
import io.ballast.inventory.migration.VmMigration;
import io.ballast.proto.reservation.v1.MigrationState;
import io.ballast.support.errors.Refusal;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * What libvirt's qemu hook ({@code deploy/libvirt/qemu}) reports of a migration, turned into reservation-service's
 * migration of the VM's disks. The destination's {@code migrate begin} prepares: each disk whose image lands on
 * another datastore gets a hold there for its worst-case demand, and the hook waits until every hold is in place
 * (refused, the migration does not start). The source's {@code release end migrated} commits; the destination's
 * {@code release end failed} aborts. libvirt fires no hook on the source at the start of a migration or when it
 * fails, so {@link #reconcile()} ends what no hook ended: committed once discovery sees the VM on its target,
 * aborted once its holds expired.
 */
@ApplicationScoped
public class MigrationHook {

    private static final Logger LOG = Logger.getLogger(MigrationHook.class);

    /** How often a prepare that waits for its holds asks how they stand. */
    private static final Duration POLL = Duration.ofMillis(200);

    private final FleetReads fleet;
    private final VmMigrations migrations;
    private final ReservationMigrations reservation;
    private final InventoryConfig.Migrations settings;
    private final Clock clock = Clock.systemUTC();

    MigrationHook(
            FleetReads fleet, VmMigrations migrations, ReservationMigrations reservation, InventoryConfig config) {
        this.fleet = fleet;
        this.migrations = migrations;
        this.reservation = reservation;
        this.settings = config.migrations();
        Duration ttl = settings.holdTtl();
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException(
                    "ballast.inventory.migrations.hold-ttl must be from 1 s to a day, not " + ttl);
        }
    }

    /** What a hook's call did. */
    public enum Result {
        /** Every moving disk's hold is in place on its target. */
        PREPARED,
        COMMITTED,
        ABORTED,
        /** No disk of the VM changes datastore (shared storage, or none Ballast budgets): nothing to hold. */
        NOTHING_TO_HOLD,
        /** Inventory knows no such VM: Ballast keeps no budget for it. */
        NOT_MANAGED,
        /** The source or a failure reported a migration inventory has no open record of. */
        NO_OPEN_MIGRATION
    }

    /** A hook call's outcome: the VM, its migration when there is one, and what was done. */
    public record Outcome(String vmId, Optional<VmMigration> migration, Result result, String detail) {}

    /**
     * The destination's {@code migrate begin}: holds on {@code hostReference}'s datastores for every disk of the
     * domain ({@code domainXml}, as it will be defined there) that lands on another datastore, waited for up to
     * {@code ballast.inventory.migrations.prepare-wait}.
     *
     * @throws Refusal.InvalidInput for XML that does not parse or names no UUID
     * @throws Refusal.NotFound for a host inventory does not know by that id or name
     * @throws Refusal.FailedPrecondition when a target cannot hold a disk, a disk lands outside every datastore the
     *     host reaches, or the holds are not in place in time; the migration must not start
     * @throws Refusal.Unavailable when reservation-service could not be asked
     */
    public Outcome prepare(String hostReference, String domainXml) {
        DomainXml.Identity domain = identity(domainXml);
        List<Discovered.Disk> disks = parse(() -> DomainXml.disks(domainXml));
        Optional<Recorded.Vm> vm = managed(domain.uuid());
        if (vm.isEmpty()) {
            return new Outcome(domain.uuid(), Optional.empty(), Result.NOT_MANAGED, notManaged(domain));
        }
        Recorded.Host target = fleet.hostNamed(hostReference);
        if (vm.get().hostId().equals(target.id())) {
            throw new Refusal.FailedPrecondition("inventory records VM " + domain.uuid() + " on " + target.id()
                    + " already, the host it is to migrate to: its record is older than the VM's move away; look at"
                    + " the hosts again (POST /api/v1/discovery/refresh) and migrate again");
        }
        List<VmMigration.Move> moves = moves(vm.get(), disks, target);
        if (moves.isEmpty()) {
            openMigration(domain.uuid())
                    .ifPresent(before ->
                            endAborting(before, "superseded by a migration to " + target.id() + " that moves no disk"));
            return new Outcome(
                    domain.uuid(),
                    Optional.empty(),
                    Result.NOTHING_TO_HOLD,
                    "no disk of VM " + domain.uuid() + " lands on another datastore on host " + target.id());
        }
        Instant until = clock.instant().plus(settings.prepareWait());
        VmMigration migration = start(vm.get(), target, moves);
        List<ReservationMigrations.Disk> held;
        try {
            held = awaitHolds(migration, reservation.prepare(migration, settings.holdTtl(), until), until);
        } catch (Refusal refused) {
            // whatever was held is released (holds may have been placed before an answer was lost)
            endAborting(migration, refused.getMessage());
            throw refused;
        }
        LOG.infof(
                "migration prepared migration=%s vm=%s from=%s to=%s holds=%s",
                migration.migrationId(),
                migration.vmId(),
                migration.fromHostId(),
                migration.toHostId(),
                held.stream()
                        .map(d -> d.diskId() + ">" + d.toDatastoreId() + ":" + d.needBytes())
                        .toList());
        return new Outcome(migration.vmId(), Optional.of(migration), Result.PREPARED, "");
    }

    /**
     * The source's {@code release end migrated}: the VM's open migration is committed, its budgets move to the
     * targets.
     *
     * @throws Refusal.FailedPrecondition when reservation-service refuses the commit (its holds expired or were
     *     aborted); the migration is recorded as aborted with the reason
     * @throws Refusal.Unavailable when reservation-service could not be asked (the reconciler commits once
     *     discovery sees the VM on its target)
     */
    public Outcome commit(String hostReference, String domainXml) {
        DomainXml.Identity domain = identity(domainXml);
        Recorded.Host caller = fleet.hostNamed(hostReference);
        Optional<VmMigration> open = openMigration(domain.uuid());
        if (open.isEmpty() || !open.get().fromHostId().equals(caller.id())) {
            return noOpenMigration(domain, open, "from", caller);
        }
        VmMigration migration = open.get();
        commitAt(migration, "libvirt migrated it (release end migrated on " + caller.id() + ")");
        return new Outcome(domain.uuid(), Optional.of(migration), Result.COMMITTED, "");
    }

    /**
     * The destination's {@code release end failed}: the VM's open migration is aborted, its holds released.
     *
     * @throws Refusal.FailedPrecondition when reservation-service had committed it already
     * @throws Refusal.Unavailable when reservation-service could not be asked (the reconciler asks again at its next
     *     look)
     */
    public Outcome abort(String hostReference, String domainXml) {
        DomainXml.Identity domain = identity(domainXml);
        Recorded.Host caller = fleet.hostNamed(hostReference);
        Optional<VmMigration> open = openMigration(domain.uuid());
        if (open.isEmpty() || !open.get().toHostId().equals(caller.id())) {
            return noOpenMigration(domain, open, "to", caller);
        }
        VmMigration migration = open.get();
        String detail = "the migration failed (release end failed on " + caller.id() + ")";
        try {
            reservation.abort(migration.migrationId());
        } catch (Refusal.FailedPrecondition committed) {
            end(migration, VmMigration.State.COMMITTED, committed.getMessage());
            throw committed;
        } catch (Refusal.Unavailable unanswered) {
            migrations.expireNow(migration.migrationId(), detail);
            throw unanswered;
        }
        end(migration, VmMigration.State.ABORTED, detail);
        return new Outcome(domain.uuid(), Optional.of(migration), Result.ABORTED, detail);
    }

    /** The VM's newest migration the hook reported. */
    public Optional<VmMigration> of(String vmId) {
        fleet.vm(vmId);
        return migrations.of(vmId);
    }

    /**
     * Ends the open migrations no hook ended: one whose VM inventory now sees on its target is committed, one whose
     * holds expired is aborted. A call reservation-service does not answer is tried again the next time.
     */
    @Scheduled(
            identity = "ballast-inventory-migrations",
            every = "${ballast.inventory.migrations.reconcile-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void reconcile() {
        Instant now = clock.instant();
        for (VmMigration migration : migrations.open()) {
            try {
                Optional<Recorded.Vm> vm = managed(migration.vmId());
                if (vm.isPresent() && vm.get().hostId().equals(migration.toHostId())) {
                    commitAt(migration, "discovery saw VM " + migration.vmId() + " on " + migration.toHostId());
                } else if (!now.isBefore(migration.expiresAt())) {
                    boolean known = reservation.abort(migration.migrationId());
                    end(
                            migration,
                            VmMigration.State.ABORTED,
                            (migration.detail().isEmpty()
                                            ? "no hook ended it before its holds expired at " + migration.expiresAt()
                                            : migration.detail())
                                    + (known ? "" : " (reservation-service knows no such migration)"));
                }
            } catch (RuntimeException failed) {
                LOG.warnf(
                        "open migration not ended migration=%s vm=%s: %s; asked again at the next look",
                        migration.migrationId(), migration.vmId(), failed.getMessage());
            }
        }
    }

    /**
     * Commits at reservation-service and records it; a commit reservation refuses (the holds expired, or were never
     * all placed) is aborted there and recorded as aborted.
     */
    private void commitAt(VmMigration migration, String why) {
        try {
            reservation.commit(migration.migrationId());
        } catch (Refusal.FailedPrecondition refused) {
            endAborting(migration, refused.getMessage());
            throw refused;
        }
        end(migration, VmMigration.State.COMMITTED, why);
    }

    /**
     * Aborts at reservation-service and records the migration as aborted with {@code detail}; when reservation cannot
     * be asked, it stays open and expired, for the reconciler to abort.
     */
    private void endAborting(VmMigration migration, String detail) {
        try {
            reservation.abort(migration.migrationId());
        } catch (Refusal.Unavailable unanswered) {
            migrations.expireNow(migration.migrationId(), detail);
            LOG.warnf(
                    "migration not aborted migration=%s: %s; the reconciler asks again",
                    migration.migrationId(), unanswered.getMessage());
            return;
        } catch (Refusal.FailedPrecondition committed) {
            end(migration, VmMigration.State.COMMITTED, committed.getMessage());
            return;
        }
        end(migration, VmMigration.State.ABORTED, detail);
    }

    /** The VM's open migration record, a new one in place of one to another target or of other disks. */
    private VmMigration start(Recorded.Vm vm, Recorded.Host target, List<VmMigration.Move> moves) {
        Instant now = clock.instant();
        Optional<VmMigration> open = openMigration(vm.id());
        if (open.isPresent()) {
            VmMigration before = open.get();
            if (before.toHostId().equals(target.id())
                    && before.disks().equals(moves)
                    && now.isBefore(before.expiresAt())) {
                return before; // libvirt asked again: the same migration
            }
            endAborting(before, "superseded by a migration to " + target.id());
            if (openMigration(vm.id()).isPresent()) {
                throw new Refusal.Unavailable("the open migration " + before.migrationId() + " of VM " + vm.id()
                        + " could not be aborted at reservation-service; ask again later");
            }
        }
        VmMigration migration = new VmMigration(
                vm.id(),
                "libvirt-" + vm.id() + "-" + now.toEpochMilli(),
                vm.hostId(),
                target.id(),
                VmMigration.State.OPEN,
                moves,
                now,
                now.plus(settings.holdTtl()),
                Optional.empty(),
                "");
        if (!migrations.start(migration)) {
            throw new Refusal.Aborted("another migration of VM " + vm.id() + " was prepared meanwhile; ask again");
        }
        return migration;
    }

    /** Asks how the holds stand until every one is in place; refuses (and aborts) when one cannot be, or in time. */
    private List<ReservationMigrations.Disk> awaitHolds(
            VmMigration migration, List<ReservationMigrations.Disk> disks, Instant until) {
        List<ReservationMigrations.Disk> current = disks;
        while (true) {
            Optional<ReservationMigrations.Disk> ended = current.stream()
                    .filter(disk -> disk.state() != MigrationState.MIGRATION_STATE_PENDING
                            && disk.state() != MigrationState.MIGRATION_STATE_PREPARED)
                    .findFirst();
            if (ended.isPresent()) {
                reservation.abort(migration.migrationId());
                throw new Refusal.FailedPrecondition("the hold for disk "
                        + ended.get().diskId() + " on datastore " + ended.get().toDatastoreId() + " is "
                        + ended.get().state() + ": " + ended.get().detail());
            }
            List<ReservationMigrations.Disk> pending = current.stream()
                    .filter(disk -> disk.state() == MigrationState.MIGRATION_STATE_PENDING)
                    .toList();
            if (pending.isEmpty()) {
                return current;
            }
            if (!clock.instant().isBefore(until)) {
                reservation.abort(migration.migrationId());
                throw new Refusal.FailedPrecondition("the targets were still taking back space after "
                        + settings.prepareWait().toSeconds() + " s: "
                        + pending.stream()
                                .map(disk -> disk.diskId() + " on " + disk.toDatastoreId() + " (" + disk.detail() + ")")
                                .collect(Collectors.joining(", "))
                        + "; the migration is refused, ask again later");
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reservation.abort(migration.migrationId());
                throw new Refusal.Unavailable("inventory stopped while the holds were awaited");
            }
            current = reservation.get(migration.migrationId(), until);
        }
    }

    /**
     * The disks of the domain that land on another datastore than inventory records them on. A disk inventory records
     * on no datastore (a network disk, a device outside the pools) has no budget and is not held.
     *
     * @throws Refusal.FailedPrecondition for a budgeted disk whose image lands outside every datastore the target
     *     reaches: Ballast cannot hold its space there
     */
    private List<VmMigration.Move> moves(Recorded.Vm vm, List<Discovered.Disk> disks, Recorded.Host target) {
        Map<String, Recorded.Disk> recorded = fleet.disksOfVm(vm.id(), false).stream()
                .collect(Collectors.toMap(Recorded.Disk::id, Function.identity()));
        List<Recorded.Datastore> reached = fleet.datastoresOf(target.id());
        List<VmMigration.Move> moves = new ArrayList<>();
        for (Discovered.Disk disk : disks) {
            String diskId = vm.id() + "-" + disk.targetDev();
            Optional<String> from = Optional.ofNullable(recorded.get(diskId)).flatMap(Recorded.Disk::datastoreId);
            if (from.isEmpty()) {
                continue;
            }
            String to = datastoreHolding(disk, reached)
                    .orElseThrow(() -> new Refusal.FailedPrecondition("disk " + disk.targetDev() + " of VM " + vm.id()
                            + " lands on " + where(disk) + ", in no datastore inventory knows host " + target.id()
                            + " to reach: Ballast cannot hold its space there (add the pool, or look at the host"
                            + " again: POST /api/v1/discovery/refresh)"));
            if (!to.equals(from.get())) {
                moves.add(new VmMigration.Move(diskId, to));
            }
        }
        return moves;
    }

    /** The datastore a disk's image is in: its pool by name, else the deepest datastore directory holding its path. */
    private static Optional<String> datastoreHolding(Discovered.Disk disk, List<Recorded.Datastore> reached) {
        if (disk.kind() == Discovered.SourceKind.VOLUME) {
            return reached.stream()
                    .filter(datastore -> datastore.name().equals(disk.sourcePool()))
                    .map(Recorded.Datastore::id)
                    .findFirst();
        }
        if (disk.sourcePath().isEmpty()) {
            return Optional.empty();
        }
        Path image;
        try {
            image = Path.of(disk.sourcePath()).normalize();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        return reached.stream()
                .filter(datastore -> datastore.location().startsWith("/"))
                .filter(datastore ->
                        image.startsWith(Path.of(datastore.location()).normalize()))
                .max(Comparator.comparingInt(
                        datastore -> Path.of(datastore.location()).getNameCount()))
                .map(Recorded.Datastore::id);
    }

    private static String where(Discovered.Disk disk) {
        return disk.kind() == Discovered.SourceKind.VOLUME
                ? "volume " + disk.sourceVolume() + " of pool " + disk.sourcePool()
                : disk.sourcePath().isEmpty() ? "a source with no path" : disk.sourcePath();
    }

    private Optional<Recorded.Vm> managed(String vmId) {
        try {
            return Optional.of(fleet.vm(vmId)).filter(vm -> vm.goneAt().isEmpty());
        } catch (Refusal.NotFound unknown) {
            return Optional.empty();
        }
    }

    private Optional<VmMigration> openMigration(String vmId) {
        return migrations.of(vmId).filter(migration -> migration.state() == VmMigration.State.OPEN);
    }

    private Outcome noOpenMigration(
            DomainXml.Identity domain, Optional<VmMigration> open, String side, Recorded.Host caller) {
        String detail = open.map(other -> "the open migration " + other.migrationId() + " of VM " + domain.uuid()
                        + " is " + side + " " + (side.equals("from") ? other.fromHostId() : other.toHostId())
                        + ", not " + caller.id() + ": left as it is")
                .orElse("no open migration of VM " + domain.uuid() + " (" + domain.name() + ")");
        LOG.infof("%s", detail);
        return new Outcome(domain.uuid(), migrations.of(domain.uuid()), Result.NO_OPEN_MIGRATION, detail);
    }

    private static String notManaged(DomainXml.Identity domain) {
        return "inventory knows no VM " + domain.uuid() + " (" + domain.name() + "): Ballast keeps no budget for it";
    }

    private void end(VmMigration migration, VmMigration.State state, String detail) {
        if (migrations.end(migration.migrationId(), state, detail)) {
            LOG.infof(
                    "migration ended migration=%s vm=%s state=%s: %s",
                    migration.migrationId(), migration.vmId(), state, detail);
        }
    }

    private static DomainXml.Identity identity(String domainXml) {
        return parse(() -> DomainXml.identity(domainXml));
    }

    private static <T> T parse(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            throw new Refusal.InvalidInput("domain XML", e.getMessage());
        }
    }
}
