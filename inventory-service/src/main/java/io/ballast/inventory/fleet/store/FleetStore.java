package io.ballast.inventory.fleet.store;

import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.events.Announcements;
import io.ballast.inventory.events.Announcements.Placement;
import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.Fleet;
import io.ballast.inventory.fleet.KeptDatastore;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.store.NativeRows;
import io.ballast.support.errors.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Records what one look at a host showed: creates and updates its datastores, VMs and disks, marks gone what the host
 * stopped showing, and announces each change through the outbox in the same transaction. Rows are locked in id order
 * (host, datastores, VMs), so looks at hosts that share a datastore, and operators' changes, never interleave on a
 * row.
 */
@ApplicationScoped
public class FleetStore {

    private static final Logger LOG = Logger.getLogger(FleetStore.class);

    private final EntityManager entities;
    private final Announcements announce;
    private final InventoryConfig config;

    FleetStore(EntityManager entities, Announcements announce, InventoryConfig config) {
        this.entities = entities;
        this.announce = announce;
        this.config = config;
    }

    /** How many things one look changed (each announced) and marked gone. */
    public record Changes(int changed, int gone) {

        public static final Changes NONE = new Changes(0, 0);
    }

    private static final class Tally {
        int changed;
        int gone;
    }

    /**
     * Records {@code part} as the host's whole state at {@code now}.
     *
     * @throws Refusal.FailedPrecondition if the host's id is one an operator keeps over REST; nothing is recorded
     */
    @Transactional
    public Changes record(Fleet.Part part, Instant now) {
        Tally tally = new Tally();
        String hostId = part.host().id();
        recordHost(part.host(), now, tally);

        Map<String, List<Fleet.Disk>> disksByVm = part.disks().stream()
                .collect(Collectors.groupingBy(Fleet.Disk::vmId, LinkedHashMap::new, Collectors.toList()));
        Set<String> createdDatastores = new TreeSet<>();
        Map<String, DatastoreEntity> datastores = lockDatastores(hostId, part, createdDatastores);
        Set<String> seenDatastores = new TreeSet<>();
        for (Fleet.Datastore seen : part.datastores()) {
            DatastoreEntity row = datastores.get(seen.id());
            if (row.managedBy == Recorded.ManagedBy.API) {
                LOG.warnf(
                        "pool left out: an operator keeps a datastore with its id over REST host=%s datastore=%s",
                        hostId, seen.id());
                continue;
            }
            seenDatastores.add(seen.id());
            recordDatastore(row, createdDatastores.contains(seen.id()), seen, otherBytes(seen, part), now, tally);
        }

        Set<String> createdVms = new TreeSet<>();
        Map<String, VmEntity> vms = lockVms(hostId, part, createdVms);
        Map<String, List<DiskEntity>> knownDisks = disksOf(vms.keySet());
        Set<String> seenVms = new TreeSet<>();
        for (Fleet.Vm seen : part.vms()) {
            VmEntity row = vms.get(seen.id());
            boolean created = createdVms.contains(seen.id());
            boolean recordedElsewhere = !created && row.goneAt == null && !row.hostId.equals(hostId);
            if (recordedElsewhere && row.missingSince == null && seen.powerState() == Discovered.PowerState.SHUT_OFF) {
                // a definition left behind by a migration, or one defined on two hosts: the VM stays where it is
                // recorded until it runs here or its host stops showing it (then it is gone, and the next look here
                // takes it back)
                LOG.debugf(
                        "shut-off definition left out: the VM is recorded on another host vm=%s host=%s recorded_on=%s",
                        seen.id(), hostId, row.hostId);
                continue;
            }
            seenVms.add(seen.id());
            recordVm(
                    row,
                    created,
                    seen,
                    disksByVm.getOrDefault(seen.id(), List.of()),
                    knownDisks.getOrDefault(seen.id(), List.of()),
                    now,
                    tally);
        }
        for (VmEntity row : vms.values()) {
            if (row.hostId.equals(hostId) && row.goneAt == null && !seenVms.contains(row.id)) {
                boolean wasRunning = row.powerState != Discovered.PowerState.SHUT_OFF;
                if (wasRunning && row.missingSince == null) {
                    // perhaps migrating, its target not looked at yet: gone only if still missed a period later
                    row.missingSince = now;
                    LOG.infof(
                            "running VM missing from its host, gone if still missing a period later vm=%s host=%s",
                            row.id, hostId);
                } else if (wasRunning
                        && now.isBefore(row.missingSince.plus(config.discovery().interval()))) {
                    LOG.debugf("running VM still missing vm=%s host=%s since=%s", row.id, hostId, row.missingSince);
                } else {
                    markGone(row, knownDisks.getOrDefault(row.id, List.of()), now, tally);
                }
            }
        }
        for (DatastoreEntity row : datastores.values()) {
            // an operator's datastore that this host reaches is the operator's to keep: no look leaves or ends it
            if (row.managedBy == Recorded.ManagedBy.LIBVIRT
                    && row.hostIds.contains(hostId)
                    && !seenDatastores.contains(row.id)) {
                leave(row, hostId, now, tally);
            }
        }
        return new Changes(tally.changed, tally.gone);
    }

    /**
     * Sets the headroom kept free on a datastore and announces it.
     *
     * @throws Refusal.NotFound if the datastore is unknown or gone
     * @throws Refusal.InvalidInput if the reserve is negative or more than the datastore's capacity
     */
    @Transactional
    public Recorded.Datastore setReserve(String datastoreId, long reserveBytes, Instant now) {
        DatastoreEntity row = entities.find(DatastoreEntity.class, datastoreId, LockModeType.PESSIMISTIC_WRITE);
        if (row == null || row.goneAt != null) {
            throw new Refusal.NotFound("datastore", datastoreId);
        }
        if (reserveBytes < 0 || reserveBytes > row.capacityBytes) {
            throw new Refusal.InvalidInput(
                    "reserveBytes", "must be from 0 to the datastore's capacity, " + row.capacityBytes + " bytes");
        }
        if (row.reserveBytes != reserveBytes) {
            row.reserveBytes = reserveBytes;
            row.updatedAt = now;
            announce.datastoreUpserted(row.toRecord());
        }
        return row.toRecord();
    }

    /** A record an operator keeps over REST, and whether this request created it. */
    public record Kept<R>(R record, boolean created) {}

    /**
     * Keeps a host no libvirt URI shows (a fleet without libvirt): creates it or renames it, and announces it.
     * Discovery never changes it: a URI that shows a host of its id is refused.
     *
     * @throws Refusal.FailedPrecondition if the host is discovered through libvirt
     */
    @Transactional
    public Kept<Recorded.Host> keepHost(String hostId, String name, Instant now) {
        boolean created = created(
                "INSERT INTO inventory.host (id, name, managed_by) VALUES (?1, '', 'API')"
                        + " ON CONFLICT (id) DO NOTHING RETURNING id",
                hostId);
        HostEntity row = entities.find(HostEntity.class, hostId, LockModeType.PESSIMISTIC_WRITE);
        if (row.managedBy == Recorded.ManagedBy.LIBVIRT) {
            throw new Refusal.FailedPrecondition("host " + hostId + " is discovered through " + row.uri
                    + ": what it is comes from libvirt and cannot be kept over REST");
        }
        Recorded.Host before = created ? null : row.toRecord();
        row.name = name;
        row.uri = "";
        row.goneAt = null;
        if (!row.toRecord().equals(before)) {
            row.updatedAt = now;
            announce.hostUpserted(row.toRecord());
        }
        return new Kept<>(row.toRecord(), created);
    }

    /**
     * Keeps a datastore no pool reports (a fleet without libvirt): creates it or replaces its figures, and announces
     * it. Discovery never changes it or marks it gone, not even when a pool of its id shows.
     *
     * @throws Refusal.InvalidInput naming every wrong field: a negative size, an allocation or a reserve above the
     *     capacity, a host that is not known (or gone), a host named twice
     * @throws Refusal.FailedPrecondition if the datastore is a pool discovered through libvirt (only its reserve is
     *     set over REST, with {@link #setReserve})
     */
    @Transactional
    public Kept<Recorded.Datastore> keepDatastore(String datastoreId, KeptDatastore kept, Instant now) {
        List<Refusal.FieldError> errors = new ArrayList<>(kept.errors());
        errors.addAll(unknownHosts(kept.hostIds()));
        if (!errors.isEmpty()) {
            throw Refusal.InvalidInput.naming("datastore " + datastoreId + " is not valid", errors);
        }
        boolean created = created(
                "INSERT INTO inventory.datastore (id, name, location, capacity_bytes, allocated_bytes,"
                        + " available_bytes, reserve_bytes, other_bytes, managed_by)"
                        + " VALUES (?1, '', '', 0, 0, 0, 0, 0, 'API') ON CONFLICT (id) DO NOTHING RETURNING id",
                datastoreId);
        DatastoreEntity row = entities.find(DatastoreEntity.class, datastoreId, LockModeType.PESSIMISTIC_WRITE);
        if (row.managedBy == Recorded.ManagedBy.LIBVIRT) {
            throw new Refusal.FailedPrecondition("datastore " + datastoreId + " is a pool discovered through libvirt:"
                    + " its figures come from there; only its reserve is set over REST"
                    + " (PUT /api/v1/datastores/" + datastoreId + "/reserve)");
        }
        long reserve;
        if (kept.reserveBytes().isPresent()) {
            reserve = kept.reserveBytes().get();
        } else if (created) {
            reserve = (long) Math.ceil(kept.capacityBytes() * config.discovery().reserveRatio());
        } else if (row.reserveBytes > kept.capacityBytes()) {
            throw new Refusal.InvalidInput(
                    "reserveBytes",
                    "the reserve kept, " + row.reserveBytes + " bytes, is more than the new capacity, "
                            + kept.capacityBytes() + ": give one");
        } else {
            reserve = row.reserveBytes;
        }
        Recorded.Datastore before = created ? null : row.toRecord();
        row.name = kept.name();
        row.location = kept.location();
        row.capacityBytes = kept.capacityBytes();
        row.allocatedBytes = kept.allocatedBytes();
        row.availableBytes = kept.capacityBytes() - kept.allocatedBytes();
        row.reserveBytes = reserve;
        row.otherBytes = Math.max(0, kept.allocatedBytes() - imageBytesOn(datastoreId));
        row.hostIds.retainAll(kept.hostIds());
        row.hostIds.addAll(kept.hostIds());
        row.goneAt = null;
        if (!row.toRecord().equals(before)) {
            row.updatedAt = now;
            announce.datastoreUpserted(row.toRecord());
        }
        return new Kept<>(row.toRecord(), created);
    }

    /**
     * The field errors of {@code hostIds} that name no host, or a gone one. The others are held (in id order, as a
     * look locks its host before its datastores) until the transaction ends, so none goes meanwhile.
     */
    private List<Refusal.FieldError> unknownHosts(List<String> hostIds) {
        Set<String> known = new TreeSet<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT id, 0 FROM inventory.host WHERE id = ANY (?1) AND gone_at IS NULL ORDER BY id FOR SHARE",
                (Object) hostIds.toArray(String[]::new))) {
            known.add((String) row[0]);
        }
        List<Refusal.FieldError> errors = new ArrayList<>();
        for (int i = 0; i < hostIds.size(); i++) {
            if (!known.contains(hostIds.get(i))) {
                errors.add(new Refusal.FieldError("hostIds[" + i + "]", "no host is named '" + hostIds.get(i) + "'"));
            }
        }
        return errors;
    }

    /** What the images of the disks recorded on a datastore take on it (an image two disks share counts once). */
    private long imageBytesOn(String datastoreId) {
        return NativeRows.bytes(NativeRows.rows(
                        entities,
                        "SELECT coalesce(sum(backed_bytes), 0), 0 FROM (SELECT DISTINCT ON (image_path) backed_bytes"
                                + " FROM inventory.virtual_disk WHERE datastore_id = ?1 AND gone_at IS NULL"
                                + " ORDER BY image_path, backed_bytes DESC) images",
                        datastoreId)
                .getFirst()[0]);
    }

    /**
     * Gives a VM a profile and announces it; the default profile's name, or an empty one, gives it the default.
     *
     * @throws Refusal.NotFound if the VM is unknown or gone
     * @throws Refusal.InvalidInput if no profile has that name
     */
    @Transactional
    public Recorded.Vm assignProfile(String vmId, String profile, Instant now) {
        VmEntity row = entities.find(VmEntity.class, vmId, LockModeType.PESSIMISTIC_WRITE);
        if (row == null || row.goneAt != null) {
            throw new Refusal.NotFound("VM", vmId);
        }
        String name = profile.equals(Profile.DEFAULT.name()) ? "" : profile;
        // the profile's row is held until this commits, so it cannot be removed meanwhile
        if (!name.isEmpty()
                && entities.createNativeQuery("SELECT name FROM inventory.profile WHERE name = ?1 FOR SHARE")
                        .setParameter(1, name)
                        .getResultList()
                        .isEmpty()) {
            throw new Refusal.InvalidInput("profile", "no profile is named '" + profile + "'");
        }
        if (!row.profile.equals(name)) {
            row.profile = name;
            row.updatedAt = now;
            announce.vmUpserted(row.toRecord());
        }
        return row.toRecord();
    }

    private void recordHost(Fleet.Host seen, Instant now, Tally tally) {
        boolean created = !created(
                        "INSERT INTO inventory.host (id, name, managed_by) VALUES (?1, '', 'LIBVIRT')"
                                + " ON CONFLICT (id) DO NOTHING RETURNING id",
                        List.of(seen.id()),
                        "")
                .isEmpty();
        HostEntity row = entities.find(HostEntity.class, seen.id(), LockModeType.PESSIMISTIC_WRITE);
        if (row.managedBy == Recorded.ManagedBy.API) {
            throw new Refusal.FailedPrecondition("host " + seen.id() + " is kept over REST; " + seen.uri()
                    + " shows a host of the same id, which is not recorded");
        }
        Recorded.Host before = created ? null : row.toRecord();
        row.name = seen.name();
        row.uri = seen.uri();
        row.goneAt = null;
        if (!row.toRecord().equals(before)) {
            row.updatedAt = now;
            tally.changed++;
            announce.hostUpserted(row.toRecord());
        }
    }

    /** The datastores the host shows or reached until now, locked, by id. */
    private Map<String, DatastoreEntity> lockDatastores(String hostId, Fleet.Part part, Set<String> created) {
        created.addAll(created(
                "INSERT INTO inventory.datastore (id, name, location, capacity_bytes, allocated_bytes,"
                        + " available_bytes, reserve_bytes, other_bytes, managed_by)"
                        + " VALUES (?1, '', '', 0, 0, 0, 0, 0, 'LIBVIRT') ON CONFLICT (id) DO NOTHING RETURNING id",
                part.datastores().stream().map(Fleet.Datastore::id).toList(),
                ""));
        Set<String> ids = new TreeSet<>();
        part.datastores().forEach(d -> ids.add(d.id()));
        ids.addAll(
                entities.createQuery("select d.id from DatastoreEntity d where :host member of d.hostIds", String.class)
                        .setParameter("host", hostId)
                        .getResultList());
        return lockedById(
                ids,
                "select d from DatastoreEntity d where d.id in :ids order by d.id",
                DatastoreEntity.class,
                d -> d.id);
    }

    /** The VMs the host shows or ran until now, locked, by id. */
    private Map<String, VmEntity> lockVms(String hostId, Fleet.Part part, Set<String> created) {
        created.addAll(created(
                "INSERT INTO inventory.vm (id, name, host_id, power_state) VALUES (?1, '', ?2, 'SHUT_OFF')"
                        + " ON CONFLICT (id) DO NOTHING RETURNING id",
                part.vms().stream().map(Fleet.Vm::id).toList(),
                hostId));
        Set<String> ids = new TreeSet<>();
        part.vms().forEach(vm -> ids.add(vm.id()));
        ids.addAll(entities.createQuery(
                        "select v.id from VmEntity v where v.hostId = :host and v.goneAt is null", String.class)
                .setParameter("host", hostId)
                .getResultList());
        return lockedById(ids, "select v from VmEntity v where v.id in :ids order by v.id", VmEntity.class, v -> v.id);
    }

    /**
     * Inserts a placeholder row for each of {@code ids} that has none (in id order) and answers those this
     * transaction inserted: the rows the caller locks next exist then, whichever of two concurrent looks comes first.
     */
    private Set<String> created(String insert, List<String> ids, String hostId) {
        Set<String> created = new TreeSet<>();
        for (String id : new TreeSet<>(ids)) {
            var query = entities.createNativeQuery(insert).setParameter(1, id);
            if (insert.contains("?2")) {
                query.setParameter(2, hostId);
            }
            if (!query.getResultList().isEmpty()) {
                created.add(id);
            }
        }
        return created;
    }

    /** {@link #created(String, List, String)} for one id: whether this transaction inserted its row. */
    private boolean created(String insert, String id) {
        return !created(insert, List.of(id), "").isEmpty();
    }

    private <T> Map<String, T> lockedById(Set<String> ids, String query, Class<T> type, Function<T, String> id) {
        Map<String, T> byId = new TreeMap<>();
        if (ids.isEmpty()) {
            return byId;
        }
        for (T row : entities.createQuery(query, type)
                .setParameter("ids", ids)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .getResultList()) {
            byId.put(id.apply(row), row);
        }
        return byId;
    }

    private Map<String, List<DiskEntity>> disksOf(Set<String> vmIds) {
        if (vmIds.isEmpty()) {
            return Map.of();
        }
        return entities.createQuery("select d from DiskEntity d where d.vmId in :vms order by d.id", DiskEntity.class)
                .setParameter("vms", vmIds)
                .getResultStream()
                .collect(Collectors.groupingBy(d -> d.vmId, LinkedHashMap::new, Collectors.toList()));
    }

    /**
     * What of {@code seen}'s allocation no disk image holds: its allocation less the images of this host's disks on
     * it and of the other hosts' disks recorded on it (an image two disks share counts once).
     */
    private long otherBytes(Fleet.Datastore seen, Fleet.Part part) {
        Map<String, Long> images = new HashMap<>();
        Set<String> vmsHere = part.vms().stream().map(Fleet.Vm::id).collect(Collectors.toSet());
        List<Object[]> elsewhere = entities.createQuery(
                        "select d.vmId, d.imagePath, d.backedBytes from DiskEntity d, VmEntity v"
                                + " where d.vmId = v.id and d.datastoreId = :datastore and d.goneAt is null"
                                + " and v.hostId <> :host",
                        Object[].class)
                .setParameter("datastore", seen.id())
                .setParameter("host", seen.hostId())
                .getResultList();
        for (Object[] disk : elsewhere) {
            if (!vmsHere.contains((String) disk[0])) {
                images.put((String) disk[1], (Long) disk[2]);
            }
        }
        for (Fleet.Disk disk : part.disks()) {
            if (disk.datastoreId().filter(seen.id()::equals).isPresent()) {
                images.put(disk.imagePath(), disk.backedBytes());
            }
        }
        long imageBytes = images.values().stream().mapToLong(Long::longValue).sum();
        return Math.max(0, seen.allocatedBytes() - imageBytes);
    }

    private void recordDatastore(
            DatastoreEntity row, boolean created, Fleet.Datastore seen, long otherBytes, Instant now, Tally tally) {
        Recorded.Datastore before = created ? null : row.toRecord();
        if (created) {
            row.reserveBytes =
                    (long) Math.ceil(seen.capacityBytes() * config.discovery().reserveRatio());
        }
        row.name = seen.name();
        row.location = seen.location();
        row.capacityBytes = seen.capacityBytes();
        row.allocatedBytes = seen.allocatedBytes();
        row.availableBytes = seen.availableBytes();
        row.otherBytes = otherBytes;
        row.hostIds.add(seen.hostId());
        row.goneAt = null;
        if (!row.toRecord().equals(before)) {
            row.updatedAt = now;
            tally.changed++;
            announce.datastoreUpserted(row.toRecord());
        }
    }

    private void recordVm(
            VmEntity row,
            boolean created,
            Fleet.Vm seen,
            List<Fleet.Disk> seenDisks,
            List<DiskEntity> known,
            Instant now,
            Tally tally) {
        Recorded.Vm before = created ? null : row.toRecord();
        String migratedFrom = !created && row.goneAt == null && !row.hostId.equals(seen.hostId()) ? row.hostId : null;
        row.name = seen.name();
        row.hostId = seen.hostId();
        row.powerState = seen.powerState();
        row.goneAt = null;
        row.missingSince = null;
        if (!row.toRecord().equals(before)) {
            row.updatedAt = now;
            tally.changed++;
            announce.vmUpserted(row.toRecord());
        }

        Map<String, DiskEntity> knownById = new HashMap<>();
        known.forEach(disk -> knownById.put(disk.id, disk));
        List<Placement> placements = new ArrayList<>();
        for (Fleet.Disk disk : seenDisks) {
            DiskEntity diskRow = knownById.remove(disk.id());
            if (migratedFrom != null
                    && diskRow != null
                    && diskRow.goneAt == null
                    && diskRow.datastoreId != null
                    && disk.datastoreId().isPresent()
                    && !diskRow.datastoreId.equals(disk.datastoreId().get())) {
                placements.add(new Placement(
                        disk.id(), diskRow.datastoreId, disk.datastoreId().get()));
            }
            recordDisk(diskRow, disk, now, tally);
        }
        for (DiskEntity gone : knownById.values()) {
            if (gone.goneAt == null) {
                diskGone(gone, now, tally);
            }
        }
        if (migratedFrom != null) {
            LOG.infof(
                    "VM seen on another host vm=%s from=%s to=%s disks_moved=%d",
                    seen.id(), migratedFrom, seen.hostId(), placements.size());
            announce.vmMigrated(seen.id(), migratedFrom, seen.hostId(), placements);
        }
    }

    private void recordDisk(DiskEntity row, Fleet.Disk seen, Instant now, Tally tally) {
        Recorded.Disk before = row == null ? null : row.toRecord();
        if (row == null) {
            row = new DiskEntity();
            row.id = seen.id();
        }
        row.vmId = seen.vmId();
        row.datastoreId = seen.datastoreId().orElse(null);
        row.imagePath = seen.imagePath();
        row.kind = seen.kind();
        row.designatedBytes = seen.designatedBytes();
        row.backedBytes = seen.backedBytes();
        row.serial = seen.serial();
        row.targetDev = seen.targetDev();
        row.goneAt = null;
        if (before == null) {
            row.updatedAt = now;
            entities.persist(row);
        }
        if (!row.toRecord().equals(before)) {
            row.updatedAt = now;
            tally.changed++;
            announce.diskUpserted(row.toRecord());
        }
    }

    private void diskGone(DiskEntity row, Instant now, Tally tally) {
        row.goneAt = now;
        row.updatedAt = now;
        tally.gone++;
        announce.diskRemoved(row.id);
    }

    private void markGone(VmEntity row, List<DiskEntity> disks, Instant now, Tally tally) {
        for (DiskEntity disk : disks) {
            if (disk.goneAt == null) {
                diskGone(disk, now, tally);
            }
        }
        row.goneAt = now;
        row.missingSince = null;
        row.updatedAt = now;
        tally.gone++;
        announce.vmRemoved(row.id);
    }

    /** {@code hostId} no longer reaches {@code row}; with no host left, the datastore is gone. */
    private void leave(DatastoreEntity row, String hostId, Instant now, Tally tally) {
        row.hostIds.remove(hostId);
        row.updatedAt = now;
        if (row.hostIds.isEmpty()) {
            row.goneAt = now;
            tally.gone++;
            announce.datastoreRemoved(row.id);
        } else {
            tally.changed++;
            announce.datastoreUpserted(row.toRecord());
        }
    }
}
