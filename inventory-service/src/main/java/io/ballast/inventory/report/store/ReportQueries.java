package io.ballast.inventory.report.store;

import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.job.Layout;
import io.ballast.inventory.job.ResizePlan;
import io.ballast.inventory.job.store.Layouts;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.profile.store.ProfileStore;
import io.ballast.inventory.report.Reports;
import io.ballast.inventory.report.Reports.AlignmentRow;
import io.ballast.inventory.report.Reports.DatastoreRow;
import io.ballast.inventory.report.Reports.ProfileSavingsRow;
import io.ballast.inventory.report.Reports.SavingsRow;
import io.ballast.inventory.report.Reports.VmRow;
import io.ballast.inventory.store.NativeRows;
import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.support.errors.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The reports' rows, read from the fleet, the guests' latest usage, the disks' layouts and the finished jobs, gone
 * records left out. The VM report is one query per page (keyset on the disk id, which begins with the VM's id).
 */
@ApplicationScoped
@Transactional
public class ReportQueries {

    private final EntityManager entities;
    private final ProfileStore profiles;
    private final InventoryConfig config;
    private final Layouts layouts;
    private final UsageStore usage;

    ReportQueries(
            EntityManager entities, ProfileStore profiles, InventoryConfig config, Layouts layouts, UsageStore usage) {
        this.usage = usage;
        this.entities = entities;
        this.layouts = layouts;
        this.profiles = profiles;
        this.config = config;
    }

    /** Which disks the VM report holds; empty filters match all. */
    public record VmFilter(Optional<String> hostId, Optional<String> datastoreId, Optional<String> profile) {}

    public Reports.Page<VmRow> vms(VmFilter filter, Optional<String> after, int limit) {
        if (limit < 1 || limit > io.ballast.inventory.fleet.Page.MAX_SIZE) {
            throw new Refusal.InvalidInput("limit", "must be from 1 to " + io.ballast.inventory.fleet.Page.MAX_SIZE);
        }
        List<Object> parameters = new ArrayList<>();
        // A disk that is not gone belongs to a VM that is not gone (a VM marked gone takes its disks with it), so the
        // page is chosen from the disks alone; only a filter on the VMs' columns joins them before the limit.
        boolean byVm = filter.hostId().isPresent() || filter.profile().isPresent();
        StringBuilder where = new StringBuilder(" WHERE d.gone_at IS NULL");
        after.ifPresent(last -> where.append(" AND d.id > ?").append(add(parameters, last)));
        filter.datastoreId()
                .ifPresent(datastore -> where.append(" AND d.datastore_id = ?").append(add(parameters, datastore)));
        filter.hostId().ifPresent(host -> where.append(" AND v.host_id = ?").append(add(parameters, host)));
        filter.profile().ifPresent(profile -> where.append(" AND v.profile = ?").append(add(parameters, profile)));
        List<Object[]> rows = NativeRows.rows(
                entities,
                // The page is chosen first and only its rows look up their VM, usage and layout, each by its index:
                // the VM through a LATERAL that OFFSET 0 keeps from being flattened into a join, the layout as a
                // scalar subquery. Left to join, the planner hashed the whole VM table for the cursor's last pages
                // and for some cached plans, a sequential scan of 10,000 VMs a request (docs/benchmarks.md).
                "SELECT p.vm_id, v.name, v.host_id, v.profile, v.power_state, p.id, p.datastore_id,"
                        + " p.designated_bytes, u.total, u.used, u.free, u.ballast, p.backed_bytes,"
                        + " (SELECT l.alignment_status FROM inventory.disk_layout l WHERE l.disk_id = p.id)"
                        + " FROM (SELECT d.id, d.vm_id, d.datastore_id, d.designated_bytes, d.backed_bytes"
                        + " FROM inventory.virtual_disk d"
                        + (byVm ? " JOIN inventory.vm v ON v.id = d.vm_id AND v.gone_at IS NULL" : "")
                        + where + " ORDER BY d.id LIMIT " + (limit + 1) + ") p"
                        + " JOIN LATERAL (SELECT v.name, v.host_id, v.profile, v.power_state FROM inventory.vm v"
                        + " WHERE v.id = p.vm_id OFFSET 0) v ON true"
                        + " LEFT JOIN LATERAL (SELECT sum(f.total_bytes) total, sum(f.utilized_bytes) used,"
                        + " sum(f.free_bytes) free, sum(f.ballast_bytes) ballast, count(*) n"
                        + " FROM inventory.filesystem_usage f WHERE f.disk_id = p.id) u ON u.n > 0 ORDER BY p.id",
                parameters.toArray());
        List<VmRow> page = new ArrayList<>();
        for (Object[] row : rows.subList(0, Math.min(limit, rows.size()))) {
            Long total = longOrNull(row[8]);
            Long free = longOrNull(row[10]);
            page.add(new VmRow(
                    (String) row[0],
                    (String) row[1],
                    (String) row[2],
                    ((String) row[3]).isEmpty() ? Profile.DEFAULT.name() : (String) row[3],
                    (String) row[4],
                    (String) row[5],
                    (String) row[6],
                    NativeRows.bytes(row[7]),
                    total,
                    longOrNull(row[9]),
                    free,
                    total == null || total == 0 || free == null ? null : Math.round(free * 1000.0 / total) / 10.0,
                    longOrNull(row[11]),
                    NativeRows.bytes(row[12]),
                    alignment(row[13] == null ? null : ((Number) row[13]).intValue())));
        }
        return new Reports.Page<>(page, rows.size() > limit ? page.getLast().diskId() : null);
    }

    public List<DatastoreRow> datastores() {
        List<DatastoreRow> rows = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT ds.id, ds.name, (SELECT string_agg(h.host_id, ';' ORDER BY h.host_id)"
                        + " FROM inventory.datastore_host h WHERE h.datastore_id = ds.id),"
                        + " ds.capacity_bytes, ds.allocated_bytes, ds.reserve_bytes, p.provisioned, p.disks"
                        + " FROM inventory.datastore ds LEFT JOIN LATERAL (SELECT coalesce(sum(d.designated_bytes),"
                        + " 0) provisioned, count(*) disks FROM inventory.virtual_disk d WHERE d.datastore_id = ds.id"
                        + " AND d.gone_at IS NULL) p ON true WHERE ds.gone_at IS NULL ORDER BY ds.id")) {
            long capacity = NativeRows.bytes(row[3]);
            long allocated = NativeRows.bytes(row[4]);
            long provisioned = NativeRows.bytes(row[6]);
            rows.add(new DatastoreRow(
                    (String) row[0],
                    (String) row[1],
                    row[2] == null ? "" : (String) row[2],
                    capacity,
                    allocated,
                    NativeRows.bytes(row[5]),
                    provisioned,
                    capacity == 0 ? 0 : Math.round(provisioned * 100.0 / capacity) / 100.0,
                    Math.max(0, capacity - allocated),
                    ((Number) row[7]).intValue()));
        }
        return rows;
    }

    /**
     * What right-sizing every disk by its VM's profile would save (from its latest layout), next to what its
     * finished resizes saved, per disk, per profile and in total.
     */
    public Reports.Savings savings() {
        double price = config.reports().pricePerGib();
        Map<String, Layout> layouts = this.layouts.all();
        Map<String, Long> growth = usage.growthBytesPerDay(Optional.empty());
        Map<String, Long> realized = new HashMap<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT disk_id, sum(backed_before_bytes - backed_after_bytes) FROM inventory.job"
                        + " WHERE kind = 'RESIZE' AND state = 'FINISHED' AND backed_before_bytes IS NOT NULL"
                        + " AND NOT (request->>'dryRun')::boolean GROUP BY disk_id")) {
            realized.put((String) row[0], NativeRows.bytes(row[1]));
        }
        Map<String, Profile> known = new HashMap<>();
        List<SavingsRow> disks = new ArrayList<>();
        Map<String, long[]> byProfile = new TreeMap<>();
        Map<String, java.util.Set<String>> vmsByProfile = new LinkedHashMap<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT v.id, v.name, v.profile, d.id FROM inventory.virtual_disk d JOIN inventory.vm v"
                        + " ON v.id = d.vm_id WHERE d.gone_at IS NULL AND v.gone_at IS NULL ORDER BY d.id")) {
            String profileName = ((String) row[2]).isEmpty() ? Profile.DEFAULT.name() : (String) row[2];
            Profile profile = known.computeIfAbsent(
                    profileName, name -> profiles.find(name).orElse(Profile.DEFAULT));
            String diskId = (String) row[3];
            Layout layout = layouts.get(diskId);
            Long projected = layout == null
                    ? null
                    : ResizePlan.byProfile(layout, profile, growth.getOrDefault(diskId, 0L))
                            .savingsBytes();
            long done = realized.getOrDefault(diskId, 0L);
            disks.add(new SavingsRow(
                    (String) row[0],
                    (String) row[1],
                    profileName,
                    diskId,
                    projected,
                    projected == null ? null : Reports.cost(projected, price),
                    done,
                    Reports.cost(done, price),
                    projected == null ? "not-scanned" : projected == 0 ? "nothing-to-save" : "projected"));
            long[] sums = byProfile.computeIfAbsent(profileName, name -> new long[2]);
            sums[0] += projected == null ? 0 : projected;
            sums[1] += done;
            vmsByProfile
                    .computeIfAbsent(profileName, name -> new java.util.TreeSet<>())
                    .add((String) row[0]);
        }
        List<ProfileSavingsRow> perProfile = new ArrayList<>();
        long projectedTotal = 0;
        long realizedTotal = 0;
        for (Map.Entry<String, long[]> entry : byProfile.entrySet()) {
            long[] sums = entry.getValue();
            perProfile.add(new ProfileSavingsRow(
                    entry.getKey(),
                    vmsByProfile.get(entry.getKey()).size(),
                    sums[0],
                    Reports.cost(sums[0], price),
                    sums[1],
                    Reports.cost(sums[1], price)));
            projectedTotal += sums[0];
            realizedTotal += sums[1];
        }
        return new Reports.Savings(
                price,
                config.reports().currency(),
                disks,
                perProfile,
                projectedTotal,
                Reports.cost(projectedTotal, price),
                realizedTotal,
                Reports.cost(realizedTotal, price));
    }

    public List<AlignmentRow> alignment() {
        List<AlignmentRow> rows = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT d.vm_id, p.disk_id, p.number, p.start_bytes, p.alignment_bytes FROM inventory.disk_partition p"
                        + " JOIN inventory.virtual_disk d ON d.id = p.disk_id JOIN inventory.vm v ON v.id = d.vm_id"
                        + " WHERE d.gone_at IS NULL AND v.gone_at IS NULL ORDER BY p.disk_id, p.number")) {
            long boundary = NativeRows.bytes(row[4]);
            rows.add(new AlignmentRow(
                    (String) row[0],
                    (String) row[1],
                    ((Number) row[2]).intValue(),
                    NativeRows.bytes(row[3]),
                    boundary,
                    AlignmentRow.status(boundary)));
        }
        return rows;
    }

    private static String alignment(Integer status) {
        if (status == null) {
            return "unknown";
        }
        return switch (status) {
            case 0 -> "aligned";
            case 2 -> "misaligned";
            default -> "badly-misaligned";
        };
    }

    private static Long longOrNull(Object value) {
        return value == null ? null : ((Number) value).longValue();
    }

    private static String add(List<Object> parameters, Object value) {
        parameters.add(value);
        return Integer.toString(parameters.size());
    }
}
