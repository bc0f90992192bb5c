package io.ballast.inventory.job.store;

import io.ballast.inventory.job.Layout;
import io.ballast.inventory.store.NativeRows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Disks' layouts as their latest scans read them ({@code disk_layout} and {@code disk_partition}). */
@ApplicationScoped
@Transactional
public class Layouts {

    private static final String PARTITIONS = "SELECT disk_id, number, start_bytes, size_bytes, type, filesystem,"
            + " used_bytes, minimum_bytes, alignment_bytes FROM inventory.disk_partition";
    private static final String DISKS =
            "SELECT disk_id, table_type, disk_bytes, alignment_status, scanned_at FROM inventory.disk_layout";

    private final EntityManager entities;

    Layouts(EntityManager entities) {
        this.entities = entities;
    }

    /** The disk's layout; empty before any scan of it finished. */
    public Optional<Layout> of(String diskId) {
        List<Layout.Partition> partitions = new ArrayList<>();
        for (Object[] row : NativeRows.rows(entities, PARTITIONS + " WHERE disk_id = ?1 ORDER BY number", diskId)) {
            partitions.add(partition(row));
        }
        return NativeRows.rows(entities, DISKS + " WHERE disk_id = ?1", diskId).stream()
                .findFirst()
                .map(row -> layout(row, partitions));
    }

    /** Every known layout, by disk. */
    public Map<String, Layout> all() {
        Map<String, List<Layout.Partition>> partitions = new HashMap<>();
        for (Object[] row : NativeRows.rows(entities, PARTITIONS + " ORDER BY disk_id, number")) {
            partitions.computeIfAbsent((String) row[0], id -> new ArrayList<>()).add(partition(row));
        }
        Map<String, Layout> layouts = new HashMap<>();
        for (Object[] row : NativeRows.rows(entities, DISKS)) {
            layouts.put((String) row[0], layout(row, partitions.getOrDefault((String) row[0], List.of())));
        }
        return layouts;
    }

    private static Layout layout(Object[] row, List<Layout.Partition> partitions) {
        return new Layout(
                (String) row[0],
                (String) row[1],
                NativeRows.bytes(row[2]),
                ((Number) row[3]).intValue(),
                partitions,
                NativeRows.instant(row[4]));
    }

    private static Layout.Partition partition(Object[] row) {
        return new Layout.Partition(
                ((Number) row[1]).intValue(),
                NativeRows.bytes(row[2]),
                NativeRows.bytes(row[3]),
                (String) row[4],
                (String) row[5],
                optional(row[6]),
                optional(row[7]),
                NativeRows.bytes(row[8]));
    }

    static OptionalLong optional(Object value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(((Number) value).longValue());
    }
}
