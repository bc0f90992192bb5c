package io.ballast.reservation.budget.events;

import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.inventory.v1.DatastoreRemoved;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.DiskPlacement;
import io.ballast.proto.inventory.v1.ImageFormat;
import io.ballast.proto.inventory.v1.ProfileUpserted;
import io.ballast.proto.inventory.v1.VirtualDisk;
import io.ballast.proto.inventory.v1.VirtualDiskRemoved;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.inventory.v1.VmMigrated;
import io.ballast.proto.inventory.v1.VmRemoved;
import io.ballast.proto.inventory.v1.VmUpserted;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.reservation.budget.Alert;
import io.ballast.reservation.budget.BudgetEngine;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.DiskFacts;
import io.ballast.reservation.budget.Extent;
import io.ballast.reservation.budget.FilesystemUsage;
import io.ballast.reservation.budget.FormatOverhead;
import io.ballast.reservation.budget.Migration;
import io.ballast.reservation.budget.Profile;
import io.ballast.reservation.budget.metrics.BudgetMetrics;
import io.ballast.reservation.budget.store.BudgetStore;
import io.ballast.reservation.budget.store.BudgetStore.GuestDisk;
import io.ballast.reservation.budget.store.BudgetStore.VmRow;
import io.ballast.reservation.budget.store.Decisions;
import io.ballast.support.errors.Refusal;
import io.ballast.support.inventory.GuestDiskNames;
import io.ballast.support.store.Inbox;
import io.ballast.support.store.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What the reservation service hears and does about it: inventory's changes, the agents' usage reports and
 * acknowledgements, the worker's reclaim results. Each event is decided on in one transaction (see {@link
 * Decisions}) that also records it in the inbox, so a redelivered event changes nothing twice.
 *
 * <p>Trust: an agent speaks for its VM only. A report or acknowledgement naming a disk that inventory does not place
 * on the agent's VM is never decided on (no budget freed, no reclaim job); a metric, a log line and, when it names
 * another VM's disk, an alert on that disk's datastore say so.
 */
@ApplicationScoped
public class BudgetInputs {

    private static final Logger LOG = Logger.getLogger(BudgetInputs.class);

    static final String INVENTORY = "reservation.inventory";
    static final String ACKS = "reservation.ballast-acks";
    static final String WORKER = "reservation.worker-progress";

    /** How often one (VM, disk name) pair that nobody can be attributed raises its alert again. */
    private static final Duration UNATTRIBUTED_ALERT_EVERY = Duration.ofHours(1);

    private final BudgetEngine engine;
    private final Decisions decisions;
    private final BudgetStore store;
    private final Inbox inbox;
    private final Outbox outbox;
    private final BudgetMetrics metrics;
    private final Clock clock;
    private final Map<String, Instant> unattributedAlerted = new ConcurrentHashMap<>();

    BudgetInputs(
            BudgetEngine engine,
            Decisions decisions,
            BudgetStore store,
            Inbox inbox,
            Outbox outbox,
            BudgetMetrics metrics,
            Clock clock) {
        this.engine = engine;
        this.decisions = decisions;
        this.store = store;
        this.inbox = inbox;
        this.outbox = outbox;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** One event of {@code ballast.inventory.v1}. */
    public void inventory(Decoded.Event event) {
        Optional.<Runnable>empty()
                .or(() -> event.payloadAs(DatastoreUpserted.class).map(m -> () -> datastoreUpserted(event, m)))
                .or(() -> event.payloadAs(DatastoreRemoved.class).map(m -> () -> datastoreRemoved(event, m)))
                .or(() -> event.payloadAs(VmUpserted.class).map(m -> () -> vmUpserted(event, m)))
                .or(() -> event.payloadAs(VmRemoved.class).map(m -> () -> vmRemoved(event, m)))
                .or(() -> event.payloadAs(ProfileUpserted.class).map(m -> () -> profileUpserted(event, m)))
                .or(() -> event.payloadAs(VirtualDiskUpserted.class).map(m -> () -> diskUpserted(event, m)))
                .or(() -> event.payloadAs(VirtualDiskRemoved.class).map(m -> () -> diskRemoved(event, m)))
                .or(() -> event.payloadAs(VmMigrated.class).map(m -> () -> vmMigrated(event, m)))
                .ifPresent(Runnable::run);
    }

    /** One usage report of {@code ballast.guest.telemetry.v1}. */
    public void telemetry(Decoded.Event event) {
        event.payloadAs(UsageReported.class).ifPresent(this::usageReported);
    }

    /** One acknowledgement of {@code ballast.ballast.acks.v1}. */
    public void ack(Decoded.Event event) {
        event.payloadAs(BallastApplied.class).ifPresent(applied -> applied(event, applied));
        event.payloadAs(BallastFailed.class).ifPresent(failed -> failed(event, failed));
    }

    /** One event of {@code ballast.worker.progress.v1}; only reclaim jobs this service asked for are its business. */
    public void workerProgress(Decoded.Event event) {
        event.payloadAs(JobFinished.class).ifPresent(finished -> jobFinished(event, finished));
        event.payloadAs(JobFailed.class).ifPresent(failed -> jobFailed(event, failed));
    }

    // ---- inventory ---------------------------------------------------------------------------------------------

    private void datastoreUpserted(Decoded.Event event, DatastoreUpserted upserted) {
        var datastore = upserted.getDatastore();
        String id = datastore.getDatastoreId();
        long capacity = bytes("capacity_bytes", datastore.getCapacityBytes());
        long other = bytes("other_bytes", datastore.getOtherBytes());
        long reserve = bytes("reserve_bytes", datastore.getReserveBytes());
        decisions.on(List.of(id), locked -> {
            if (!inbox.firstTime(event, INVENTORY)) {
                return null;
            }
            Instant now = clock.instant();
            Datastore known = locked.find(id)
                    .orElseGet(
                            () -> locked.create(new Datastore(id, capacity, other, DatastorePolicy.strict(reserve))));
            locked.keep(engine.datastoreUpserted(known, capacity, other, now));
            adoptWaiting(locked, known, now);
            return null;
        });
    }

    /**
     * Adds the disks that wait for {@code datastore} (inventory described them before it). Called when the datastore
     * is described and on every tick, which also adds a disk whose wait began while its datastore was being added.
     */
    public void adoptWaiting(Decisions.Locked locked, Datastore datastore, Instant now) {
        for (DiskFacts waiting : store.takeWaitingFor(datastore.id())) {
            Optional<String> elsewhere = store.datastoreOf(waiting.diskId());
            if (elsewhere.isPresent()) {
                // moving it would lock a second datastore after this one; inventory's next description moves it
                LOG.warnf(
                        "disk stays where it is until inventory describes it again disk=%s on=%s described_on=%s",
                        waiting.diskId(), elsewhere.get(), datastore.id());
                continue;
            }
            LOG.infof(
                    "disk added now that its datastore is described disk=%s datastore=%s",
                    waiting.diskId(), datastore.id());
            locked.keep(engine.diskUpserted(datastore, waiting, now));
            store.vm(waiting.vmId()).ifPresent(vm -> applyVm(locked, vm, now));
        }
    }

    private void datastoreRemoved(Decoded.Event event, DatastoreRemoved removed) {
        String id = removed.getDatastoreId();
        boolean gone =
                decisions.on(List.of(id), locked -> inbox.firstTime(event, INVENTORY) && locked.removeIfEmpty(id));
        if (gone) {
            metrics.removed(id);
        } else {
            LOG.warnf("datastore not removed: it still holds disks (inventory removes them first) datastore=%s", id);
        }
    }

    private void vmUpserted(Decoded.Event event, VmUpserted upserted) {
        var vm = upserted.getVm();
        VmRow row =
                new VmRow(vm.getVmId(), Optional.of(vm.getHostId()).filter(host -> !host.isBlank()), vm.getProfile());
        decisions.on(store.datastoresOfVm(vm.getVmId()), locked -> {
            if (!inbox.firstTime(event, INVENTORY)) {
                return null;
            }
            store.upsertVm(row);
            applyVm(locked, row, clock.instant());
            return null;
        });
    }

    private void applyVm(Decisions.Locked locked, VmRow vm, Instant now) {
        Profile profile = store.profile(vm.profileName());
        for (Datastore datastore : locked.all()) {
            boolean holdsIt =
                    datastore.disks().stream().anyMatch(disk -> disk.vmId().equals(vm.vmId()));
            if (holdsIt) {
                locked.keep(engine.vmUpserted(datastore, vm.vmId(), vm.hostId(), profile, now));
            }
        }
    }

    private void vmRemoved(Decoded.Event event, VmRemoved removed) {
        decisions.on(List.of(), locked -> {
            if (inbox.firstTime(event, INVENTORY)) {
                store.removeVm(removed.getVmId());
            }
            return null;
        });
    }

    private void profileUpserted(Decoded.Event event, ProfileUpserted upserted) {
        var message = upserted.getProfile();
        Profile profile;
        try {
            profile = new Profile(
                    message.getName(),
                    message.getMinFreeRatio(),
                    message.getDesiredFreeRatio(),
                    Math.toIntExact(Integer.toUnsignedLong(message.getPriority())));
        } catch (IllegalArgumentException e) {
            LOG.warnf("profile not taken: %s profile=%s", e.getMessage(), message.getName());
            return;
        }
        Set<String> datastores = new TreeSet<>();
        List<String> vms = store.vmsWithProfile(profile.name());
        vms.forEach(vm -> datastores.addAll(store.datastoresOfVm(vm)));
        decisions.on(datastores, locked -> {
            if (!inbox.firstTime(event, INVENTORY)) {
                return null;
            }
            store.upsertProfile(profile);
            Instant now = clock.instant();
            for (String vmId : vms) {
                store.vm(vmId).ifPresent(vm -> applyVm(locked, vm, now));
            }
            return null;
        });
    }

    private void diskUpserted(Decoded.Event event, VirtualDiskUpserted upserted) {
        VirtualDisk disk = upserted.getDisk();
        String target = disk.getDatastoreId();
        if (target.isBlank()) {
            // an image in no datastore (a device outside the pools, a network disk): it counts on none
            leaveDatastores(event, disk.getDiskId());
            return;
        }
        long designated = bytes("designated_bytes", disk.getDesignatedBytes());
        DiskFacts facts = new DiskFacts(
                disk.getDiskId(),
                disk.getVmId(),
                designated,
                FormatOverhead.bytes(sparse(disk.getFormat()), designated),
                disk.getImagePath(),
                disk.getSerial(),
                punchable(disk.getFormat()));
        routed(disk.getDiskId(), Optional.of(target), (locked, current) -> {
            if (!inbox.firstTime(event, INVENTORY)) {
                return;
            }
            Instant now = clock.instant();
            Optional<Datastore> described = locked.find(target);
            if (described.isEmpty()) {
                LOG.warnf(
                        "disk waits for its datastore, which inventory has not described yet disk=%s datastore=%s",
                        disk.getDiskId(), target);
                store.waitForDatastore(facts, target);
                return;
            }
            store.stopWaiting(disk.getDiskId());
            Datastore to = described.get();
            if (current.isPresent() && !current.get().equals(target)) {
                moved(locked, locked.get(current.get()), to, disk.getDiskId(), now);
            }
            locked.keep(engine.diskUpserted(to, facts, now));
            store.vm(disk.getVmId()).ifPresent(vm -> applyVm(locked, vm, now));
        });
    }

    private void diskRemoved(Decoded.Event event, VirtualDiskRemoved removed) {
        leaveDatastores(event, removed.getDiskId());
    }

    /** The disk counts on no datastore from now on, and waits for none. */
    private void leaveDatastores(Decoded.Event event, String diskId) {
        routed(diskId, Optional.empty(), (locked, current) -> {
            if (!inbox.firstTime(event, INVENTORY)) {
                return;
            }
            store.stopWaiting(diskId);
            if (current.isPresent()) {
                locked.keep(engine.diskRemoved(locked.get(current.get()), diskId, clock.instant()));
            }
        });
    }

    /**
     * A VM finished migrating: each disk whose migration was prepared on its new datastore is committed there (the
     * libvirt hook may have committed it already: then nothing is left to do); a disk that moved without a prepare
     * moves here too. Its host changes with it.
     */
    private void vmMigrated(Decoded.Event event, VmMigrated migrated) {
        Set<String> datastores = new TreeSet<>(store.datastoresOfVm(migrated.getVmId()));
        for (DiskPlacement placement : migrated.getDisksList()) {
            datastores.add(placement.getToDatastoreId());
        }
        decisions.on(datastores, locked -> {
            if (!inbox.firstTime(event, INVENTORY)) {
                return null;
            }
            Instant now = clock.instant();
            for (DiskPlacement placement : migrated.getDisksList()) {
                Optional<String> current = store.datastoreOf(placement.getDiskId());
                Optional<Datastore> to = locked.find(placement.getToDatastoreId());
                if (current.isEmpty()
                        || to.isEmpty()
                        || current.get().equals(to.get().id())) {
                    continue;
                }
                moved(locked, locked.get(current.get()), to.get(), placement.getDiskId(), now);
            }
            Optional<VmRow> vm = store.vm(migrated.getVmId());
            VmRow moved = new VmRow(
                    migrated.getVmId(),
                    Optional.of(migrated.getToHostId()).filter(host -> !host.isBlank()),
                    vm.map(VmRow::profileName).orElse(""));
            store.upsertVm(moved);
            applyVm(locked, moved, now);
            return null;
        });
    }

    /**
     * A disk inventory now sees on {@code to}: a migration prepared there for it, and not expired, is committed (its
     * hold becomes the disk's budget), else the disk moves without one (a hold the disk has outgrown is released
     * first). {@code VmMigrated} and the disk's own upsert may come in either
     * order; whichever comes first moves it, and the other finds it there.
     */
    private void moved(Decisions.Locked locked, Datastore from, Datastore to, String diskId, Instant now) {
        Optional<Migration> prepared = to.migrations().stream()
                .filter(m -> m.diskId().equals(diskId))
                .filter(m -> m.state() == Migration.State.PREPARED)
                .filter(m -> now.isBefore(m.expiresAt()))
                .findFirst();
        if (prepared.isPresent()) {
            try {
                locked.keep(engine.commitMigration(from, to, prepared.get().id(), diskId, now));
                return;
            } catch (Refusal.FailedPrecondition outgrown) {
                // the disk can take more there now than was held: its hold goes, and it moves as any disk does
                LOG.warnf(
                        "migration not committed, its hold released migration=%s disk=%s: %s",
                        prepared.get().id(), diskId, outgrown.getMessage());
                locked.keep(engine.abortMigration(to, prepared.get().id(), diskId, now));
            }
        }
        locked.keep(engine.diskMoved(from, to, diskId, now));
    }

    // ---- agents ------------------------------------------------------------------------------------------------

    /**
     * A usage report: each filesystem goes to the disk of the reporting VM its agent names. Reports are snapshots,
     * so they skip the inbox (a redelivered one says what the first said); a report that cannot be attributed
     * changes nothing.
     */
    private void usageReported(UsageReported report) {
        String vmId = report.getVmId();
        List<GuestDisk> disks = store.disksOfVm(vmId);
        Map<GuestDisk, List<FilesystemUsage>> byDisk = new LinkedHashMap<>();
        for (var filesystem : report.getFilesystemsList()) {
            if (filesystem.getDiskId().isBlank()) {
                continue; // the agent could not map it to one disk (LVM, md, network): nothing to decide
            }
            Optional<GuestDisk> disk = attributed(vmId, filesystem.getDiskId(), disks);
            if (disk.isEmpty()) {
                continue;
            }
            try {
                byDisk.computeIfAbsent(disk.get(), d -> new ArrayList<>())
                        .add(new FilesystemUsage(
                                filesystem.getMountPoint(),
                                bytes("total_bytes", filesystem.getTotalBytes()),
                                bytes("utilized_bytes", filesystem.getUtilizedBytes()),
                                bytes("free_bytes", filesystem.getFreeBytes()),
                                bytes("ballast_bytes", filesystem.getBallastBytes())));
            } catch (IllegalArgumentException e) {
                LOG.warnf(
                        "usage not taken: %s vm=%s disk=%s",
                        e.getMessage(), vmId, disk.get().diskId());
            }
        }
        if (byDisk.isEmpty()) {
            return;
        }
        Set<String> datastores = new TreeSet<>();
        byDisk.keySet().forEach(disk -> datastores.add(disk.datastoreId()));
        decisions.on(datastores, locked -> {
            Instant now = clock.instant();
            byDisk.forEach((disk, usage) -> {
                store.nameInGuest(disk.diskId(), disk.guestName());
                locked.find(disk.datastoreId())
                        .filter(datastore -> datastore.disk(disk.diskId()).isPresent())
                        .ifPresent(
                                datastore -> locked.keep(engine.usageReported(datastore, disk.diskId(), usage, now)));
            });
            return null;
        });
    }

    private void applied(Decoded.Event event, BallastApplied applied) {
        Optional<GuestDisk> disk =
                attributed(applied.getVmId(), applied.getDiskId(), store.disksOfVm(applied.getVmId()));
        if (disk.isEmpty()) {
            return;
        }
        long actual = bytes("actual_bytes", applied.getActualBytes());
        Optional<List<Extent>> extents = applied.hasExtents()
                ? Optional.of(applied.getExtents().getExtentsList().stream()
                        .map(e -> new Extent(
                                bytes("disk_offset_bytes", e.getDiskOffsetBytes()),
                                bytes("length_bytes", e.getLengthBytes())))
                        .toList())
                : Optional.empty();
        routed(disk.get().diskId(), Optional.empty(), (locked, current) -> {
            if (current.isEmpty() || !inbox.firstTime(event, ACKS)) {
                return;
            }
            Instant now = clock.instant();
            Datastore datastore = locked.get(current.get());
            String diskId = disk.get().diskId();
            if (applied.getRecreated()) {
                locked.keep(engine.ballastRecreated(
                        datastore, diskId, applied.getMountPoint(), applied.getGeneration(), actual, extents, now));
                return;
            }
            datastore
                    .disk(diskId)
                    .flatMap(Disk::command)
                    .filter(command -> command.generation() == applied.getGeneration())
                    .ifPresent(command -> metrics.acknowledged(Duration.between(command.issuedAt(), now)));
            locked.keep(engine.ballastApplied(
                    datastore, diskId, applied.getMountPoint(), applied.getGeneration(), actual, extents, now));
        });
    }

    private void failed(Decoded.Event event, BallastFailed failed) {
        Optional<GuestDisk> disk = attributed(failed.getVmId(), failed.getDiskId(), store.disksOfVm(failed.getVmId()));
        if (disk.isEmpty()) {
            return;
        }
        LOG.warnf(
                "agent could not apply a ballast vm=%s disk=%s mount=%s generation=%d failure=%s detail=%s",
                failed.getVmId(),
                disk.get().diskId(),
                failed.getMountPoint(),
                failed.getGeneration(),
                failed.getFailure(),
                failed.getDetail());
        long actual = bytes("actual_bytes", failed.getActualBytes());
        routed(disk.get().diskId(), Optional.empty(), (locked, current) -> {
            if (current.isPresent() && inbox.firstTime(event, ACKS)) {
                locked.keep(engine.ballastFailed(
                        locked.get(current.get()),
                        disk.get().diskId(),
                        failed.getMountPoint(),
                        failed.getGeneration(),
                        actual,
                        clock.instant()));
            }
        });
    }

    /**
     * The disk of {@code vmId} its agent means by {@code guestName}, or empty, counted and logged (and alerted, when
     * it names another VM's disk), when inventory places no such disk on that VM.
     */
    private Optional<GuestDisk> attributed(String vmId, String guestName, List<GuestDisk> disksOfVm) {
        Optional<GuestDisk> match = GuestDiskNames.matching(guestName, disksOfVm, GuestDisk::serial);
        if (match.isPresent()) {
            GuestDisk disk = match.get();
            return Optional.of(new GuestDisk(disk.diskId(), disk.vmId(), disk.datastoreId(), disk.serial(), guestName));
        }
        List<GuestDisk> elsewhere = store.disksNamed(guestName).stream()
                .filter(disk -> !disk.vmId().equals(vmId))
                .toList();
        String reason = elsewhere.isEmpty() ? "unknown-disk" : "other-vm";
        metrics.unattributed(reason);
        LOG.warnf(
                "report not attributed, nothing done on its account reason=%s vm=%s guest_disk=%s other_vm_disks=%s",
                reason,
                vmId,
                guestName,
                elsewhere.stream().map(GuestDisk::diskId).toList());
        for (GuestDisk other : elsewhere) {
            alertUnattributed(vmId, guestName, other);
        }
        return Optional.empty();
    }

    private void alertUnattributed(String vmId, String guestName, GuestDisk other) {
        Instant now = clock.instant();
        String key = vmId + "/" + guestName + "/" + other.diskId();
        Instant last = unattributedAlerted.get(key);
        if (last != null && Duration.between(last, now).compareTo(UNATTRIBUTED_ALERT_EVERY) < 0) {
            return;
        }
        unattributedAlerted.put(key, now);
        Alert alert = new Alert(
                other.datastoreId(),
                Alert.Kind.UNATTRIBUTED_REPORT,
                Alert.Severity.WARNING,
                Optional.of(other.diskId()),
                0,
                0,
                "the agent of VM " + vmId + " reported disk '" + guestName + "', which inventory places on VM "
                        + other.vmId() + ": nothing was done on its account");
        decisions.on(List.of(), locked -> outbox.add(Topic.ALERTS, alert.datastoreId(), EffectEvents.alert(alert)));
    }

    // ---- worker ------------------------------------------------------------------------------------------------

    private void jobFinished(Decoded.Event event, JobFinished finished) {
        if (!finished.hasReclaim()) {
            return;
        }
        store.diskOfReclaimJob(finished.getJobId())
                .ifPresent(diskId -> routed(diskId, Optional.empty(), (locked, current) -> {
                    if (current.isEmpty() || !inbox.firstTime(event, WORKER)) {
                        return;
                    }
                    Instant now = clock.instant();
                    Datastore datastore = locked.get(current.get());
                    metrics.reclaimed(
                            datastore.id(),
                            datastore.disk(diskId).stream()
                                    .flatMap(disk -> disk.reclaims().stream())
                                    .filter(reclaim -> reclaim.jobId().equals(finished.getJobId()))
                                    .findFirst()
                                    .map(reclaim -> Duration.between(reclaim.issuedAt(), now)),
                            finished.getReclaim().getBackedBeforeBytes()
                                    - finished.getReclaim().getBackedAfterBytes());
                    long tampered =
                            bytes("tampered_bytes", finished.getReclaim().getTamperedBytes());
                    locked.keep(engine.reclaimFinished(datastore, diskId, finished.getJobId(), tampered, now));
                }));
    }

    private void jobFailed(Decoded.Event event, JobFailed failed) {
        store.diskOfReclaimJob(failed.getJobId()).ifPresent(diskId -> {
            LOG.warnf(
                    "reclaim job failed job=%s disk=%s step=%s reason=%s",
                    failed.getJobId(), diskId, failed.getStep(), failed.getReason());
            routed(diskId, Optional.empty(), (locked, current) -> {
                if (current.isPresent() && inbox.firstTime(event, WORKER)) {
                    locked.keep(engine.reclaimFailed(
                            locked.get(current.get()), diskId, failed.getJobId(), clock.instant()));
                }
            });
        });
    }

    // ---- plumbing ----------------------------------------------------------------------------------------------

    /** A decision about one disk, given the datastore it is on (empty: none) under that datastore's lock. */
    @FunctionalInterface
    private interface DiskStep {
        void decide(Decisions.Locked locked, Optional<String> currentDatastore);
    }

    /**
     * Runs {@code step} with the disk's datastore (and {@code also}) locked. The disk's datastore is looked up before
     * the lock is taken; when a concurrent decision moved the disk meanwhile, the step runs again with the new one.
     */
    private void routed(String diskId, Optional<String> also, DiskStep step) {
        for (int attempt = 1; ; attempt++) {
            Optional<String> expected = store.datastoreOf(diskId);
            Set<String> ids = new TreeSet<>();
            expected.ifPresent(ids::add);
            also.ifPresent(ids::add);
            boolean done = decisions.on(ids, locked -> {
                if (!store.datastoreOf(diskId).equals(expected)) {
                    return false;
                }
                step.decide(locked, expected);
                return true;
            });
            if (done) {
                return;
            }
            if (attempt == 3) {
                throw new IllegalStateException("disk " + diskId + " kept moving between datastores while deciding");
            }
        }
    }

    /** A protobuf uint64 as bytes: one above {@code Long.MAX_VALUE} is no size any disk has. */
    static long bytes(String field, long unsigned) {
        if (unsigned < 0) {
            throw new Refusal.InvalidInput(field, Long.toUnsignedString(unsigned) + " bytes is no size");
        }
        return unsigned;
    }

    private static boolean sparse(ImageFormat format) {
        return format == ImageFormat.IMAGE_FORMAT_QCOW2 || format == ImageFormat.IMAGE_FORMAT_VMDK_SPARSE;
    }

    private static boolean punchable(ImageFormat format) {
        return format == ImageFormat.IMAGE_FORMAT_RAW
                || format == ImageFormat.IMAGE_FORMAT_BLOCK_DEVICE
                || format == ImageFormat.IMAGE_FORMAT_VMDK_FLAT;
    }
}
