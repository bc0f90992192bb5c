package io.ballast.inventory.fleet.store;

import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.support.errors.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads of the fleet: single records by id and pages in id order (keyset: a page starts after the last id of the one
 * before, so pages stay consistent while the fleet changes). Gone records are left out unless asked for.
 */
@ApplicationScoped
@Transactional
public class FleetReads {

    private final EntityManager entities;

    FleetReads(EntityManager entities) {
        this.entities = entities;
    }

    /** Which VMs a page holds. Empty filters match every VM. */
    public record VmFilter(
            Optional<String> hostId,
            Optional<String> datastoreId,
            Optional<String> profile,
            Optional<Discovered.PowerState> powerState,
            boolean gone) {}

    /** Which disks a page holds. */
    public record DiskFilter(Optional<String> vmId, Optional<String> datastoreId, boolean gone) {}

    public Recorded.Host host(String id) {
        return Optional.ofNullable(entities.find(HostEntity.class, id))
                .map(HostEntity::toRecord)
                .orElseThrow(() -> new Refusal.NotFound("host", id));
    }

    /**
     * The host whose id is {@code reference}, else the one host not gone whose hypervisor calls itself {@code
     * reference} (a host's own name, as a hook on it knows it).
     *
     * @throws Refusal.NotFound when neither names a host, or the name names several
     */
    public Recorded.Host hostNamed(String reference) {
        HostEntity byId = entities.find(HostEntity.class, reference);
        if (byId != null) {
            return byId.toRecord();
        }
        List<HostEntity> byName = entities.createQuery(
                        "select h from HostEntity h where lower(h.name) = lower(:name) and h.goneAt is null order by h.id",
                        HostEntity.class)
                .setParameter("name", reference)
                .setMaxResults(2)
                .getResultList();
        if (byName.size() != 1) {
            throw new Refusal.NotFound("host", reference);
        }
        return byName.getFirst().toRecord();
    }

    /** The datastores, not gone, that {@code hostId} reaches, in id order. */
    public List<Recorded.Datastore> datastoresOf(String hostId) {
        List<Recorded.Datastore> all = new ArrayList<>();
        Optional<String> after = Optional.empty();
        while (true) {
            Page<Recorded.Datastore> page = datastores(Optional.of(hostId), after, Page.MAX_SIZE, false);
            all.addAll(page.items());
            if (page.next().isEmpty()) {
                return all;
            }
            after = page.next();
        }
    }

    public Recorded.Datastore datastore(String id) {
        return Optional.ofNullable(entities.find(DatastoreEntity.class, id))
                .map(DatastoreEntity::toRecord)
                .orElseThrow(() -> new Refusal.NotFound("datastore", id));
    }

    public Recorded.Vm vm(String id) {
        return Optional.ofNullable(entities.find(VmEntity.class, id))
                .map(VmEntity::toRecord)
                .orElseThrow(() -> new Refusal.NotFound("VM", id));
    }

    public Recorded.Disk disk(String id) {
        return Optional.ofNullable(entities.find(DiskEntity.class, id))
                .map(DiskEntity::toRecord)
                .orElseThrow(() -> new Refusal.NotFound("disk", id));
    }

    /** The libvirt URIs inventory looks at, in the order they were added. */
    public List<Recorded.Connection> connections() {
        return entities.createQuery(
                        "select c from LibvirtConnectionEntity c order by c.createdAt, c.uri",
                        LibvirtConnectionEntity.class)
                .getResultStream()
                .map(LibvirtConnectionEntity::toRecord)
                .toList();
    }

    /** The URI a host was last seen through, and how its looks go. */
    public Optional<Recorded.Connection> connectionOf(String hostId) {
        return entities.createQuery(
                        "select c from LibvirtConnectionEntity c where c.hostId = :host order by c.lastSuccessAt desc",
                        LibvirtConnectionEntity.class)
                .setParameter("host", hostId)
                .setMaxResults(1)
                .getResultStream()
                .findFirst()
                .map(LibvirtConnectionEntity::toRecord);
    }

    /** A VM's disks in id order, gone ones too when {@code gone}. */
    public List<Recorded.Disk> disksOfVm(String vmId, boolean gone) {
        return disks(new DiskFilter(Optional.of(vmId), Optional.empty(), gone), Optional.empty(), Page.MAX_SIZE)
                .items();
    }

    public Page<Recorded.Host> hosts(Optional<String> after, int limit, boolean gone) {
        Where where = new Where("h");
        where.gone(gone);
        return page(where, "HostEntity", HostEntity.class, after, limit, HostEntity::toRecord, h -> h.id);
    }

    public Page<Recorded.Datastore> datastores(
            Optional<String> hostId, Optional<String> after, int limit, boolean gone) {
        Where where = new Where("d");
        where.gone(gone);
        hostId.ifPresent(host -> where.add(":host member of d.hostIds", "host", host));
        return page(
                where, "DatastoreEntity", DatastoreEntity.class, after, limit, DatastoreEntity::toRecord, d -> d.id);
    }

    public Page<Recorded.Vm> vms(VmFilter filter, Optional<String> after, int limit) {
        Where where = new Where("v");
        where.gone(filter.gone());
        filter.hostId().ifPresent(host -> where.add("v.hostId = :host", "host", host));
        filter.profile().ifPresent(profile -> where.add("v.profile = :profile", "profile", profile));
        filter.powerState().ifPresent(state -> where.add("v.powerState = :state", "state", state));
        filter.datastoreId()
                .ifPresent(datastore -> where.add(
                        "exists (select 1 from DiskEntity d where d.vmId = v.id and d.datastoreId = :datastore"
                                + " and d.goneAt is null)",
                        "datastore",
                        datastore));
        return page(where, "VmEntity", VmEntity.class, after, limit, VmEntity::toRecord, v -> v.id);
    }

    public Page<Recorded.Disk> disks(DiskFilter filter, Optional<String> after, int limit) {
        Where where = new Where("k");
        where.gone(filter.gone());
        filter.vmId().ifPresent(vm -> where.add("k.vmId = :vm", "vm", vm));
        filter.datastoreId().ifPresent(datastore -> where.add("k.datastoreId = :datastore", "datastore", datastore));
        return page(where, "DiskEntity", DiskEntity.class, after, limit, DiskEntity::toRecord, k -> k.id);
    }

    private <E, R> Page<R> page(
            Where where,
            String entity,
            Class<E> type,
            Optional<String> after,
            int limit,
            Function<E, R> record,
            Function<E, String> id) {
        if (limit < 1 || limit > Page.MAX_SIZE) {
            throw new Refusal.InvalidInput("limit", "must be from 1 to " + Page.MAX_SIZE);
        }
        after.ifPresent(last -> where.add(where.alias + ".id > :after", "after", last));
        TypedQuery<E> query = entities.createQuery(
                        "select " + where.alias + " from " + entity + " " + where.alias + where.clause() + " order by "
                                + where.alias + ".id",
                        type)
                .setMaxResults(limit + 1);
        where.parameters.forEach(query::setParameter);
        List<E> rows = query.getResultList();
        List<R> items = new ArrayList<>();
        for (E row : rows.subList(0, Math.min(limit, rows.size()))) {
            items.add(record.apply(row));
        }
        Optional<String> next = rows.size() > limit ? Optional.of(id.apply(rows.get(limit - 1))) : Optional.empty();
        return new Page<>(items, next);
    }

    /** The conditions of a page's query. */
    private static final class Where {
        final String alias;
        final List<String> conditions = new ArrayList<>();
        final Map<String, Object> parameters = new LinkedHashMap<>();

        Where(String alias) {
            this.alias = alias;
        }

        void gone(boolean includeGone) {
            if (!includeGone) {
                conditions.add(alias + ".goneAt is null");
            }
        }

        void add(String condition, String name, Object value) {
            conditions.add(condition);
            parameters.put(name, value);
        }

        String clause() {
            return conditions.isEmpty() ? "" : " where " + String.join(" and ", conditions);
        }
    }
}
