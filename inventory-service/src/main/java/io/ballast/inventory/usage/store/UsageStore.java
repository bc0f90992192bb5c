package io.ballast.inventory.usage.store;

import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.history.VmHistory;
import io.ballast.inventory.store.HistoryRows;
import io.ballast.inventory.store.NativeRows;
import io.ballast.inventory.usage.FilesystemUsage;
import io.ballast.inventory.usage.HourlyUsage;
import io.ballast.inventory.usage.UsagePoint;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.support.inventory.GuestDiskNames;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Guests' usage: each filesystem's latest report, every report for a day and an hourly summary for 90 days (both
 * retentions configurable). A report is a snapshot of a VM's filesystems: one it no longer lists leaves the latest
 * figures; a report delivered again changes nothing (it has the same time).
 */
@ApplicationScoped
public class UsageStore {

    private static final Logger LOG = Logger.getLogger(UsageStore.class);

    private final EntityManager entities;
    private final InventoryConfig config;
    private final Clock clock = Clock.systemUTC();

    UsageStore(EntityManager entities, InventoryConfig config) {
        this.entities = entities;
        this.config = config;
    }

    /** Records {@code report}, made at {@code at}. */
    @Transactional
    public void reported(UsageReported report, Instant at) {
        String vmId = report.getVmId();
        if (vmId.isBlank()) {
            throw new IllegalArgumentException("a usage report names no VM");
        }
        List<String[]> disks = disksOf(vmId);
        List<String> mountPoints = new ArrayList<>();
        for (var filesystem : report.getFilesystemsList()) {
            Optional<String> diskId = GuestDiskNames.matching(filesystem.getDiskId(), disks, disk -> disk[1])
                    .map(disk -> disk[0]);
            FilesystemUsage usage = new FilesystemUsage(
                    vmId,
                    filesystem.getMountPoint(),
                    diskId,
                    filesystem.getDiskId(),
                    bytes(filesystem.getTotalBytes()),
                    bytes(filesystem.getUtilizedBytes()),
                    bytes(filesystem.getFreeBytes()),
                    bytes(filesystem.getBallastBytes()),
                    at);
            mountPoints.add(usage.mountPoint());
            latest(usage);
            if (sample(usage)) {
                summarize(usage);
            }
        }
        // filesystems the report no longer lists (unmounted, gone): their latest figures go
        var forget = entities.createNativeQuery(
                        "DELETE FROM inventory.filesystem_usage WHERE vm_id = ?1 AND reported_at < ?2"
                                + (mountPoints.isEmpty() ? "" : " AND NOT (mount_point = ANY (?3))"))
                .setParameter(1, vmId)
                .setParameter(2, Timestamp.from(at));
        if (!mountPoints.isEmpty()) {
            forget.setParameter(3, mountPoints.toArray(String[]::new));
        }
        forget.executeUpdate();
    }

    /** The latest usage of a VM's filesystems, by mount point. */
    @Transactional
    public List<FilesystemUsage> ofVm(String vmId) {
        return latestWhere("vm_id = ?1", vmId);
    }

    /** The latest usage of the filesystems on a disk, by mount point. */
    @Transactional
    public List<FilesystemUsage> ofDisk(String diskId) {
        return latestWhere("disk_id = ?1", diskId);
    }

    /** How far back a disk's growth is estimated from: its hourly usage over this many days. */
    public static final int GROWTH_WINDOW_DAYS = 30;

    /** A trend needs at least a day of hourly usage: a disk with fewer hours has no growth estimated. */
    public static final int GROWTH_MIN_HOURS = 24;

    /**
     * Each disk's growth, in bytes a day: the least-squares slope of what its guest uses (the hourly means of its
     * filesystems' utilized bytes, ballast excluded, summed by hour) over the last {@value #GROWTH_WINDOW_DAYS} days.
     * A disk with fewer than {@value #GROWTH_MIN_HOURS} hours of usage, or one whose use falls, is left out: no growth.
     *
     * @param diskId one disk, or every disk when empty
     */
    @Transactional
    public Map<String, Long> growthBytesPerDay(Optional<String> diskId) {
        Map<String, Long> growth = new HashMap<>();
        for (Object[] row : NativeRows.rows(
                entities,
                // hours since the window's start keep the sums small: the slope comes out exact for exact data
                "SELECT disk_id, regr_slope(used, extract(epoch FROM hour - ?1) / 3600) * 24 FROM (SELECT disk_id, hour,"
                        + " sum(utilized_sum_bytes / samples)::float8 AS used FROM inventory.usage_hourly"
                        + " WHERE disk_id IS NOT NULL AND hour >= ?1" + (diskId.isPresent() ? " AND disk_id = ?2" : "")
                        + " GROUP BY disk_id, hour) h GROUP BY disk_id HAVING count(*) >= " + GROWTH_MIN_HOURS,
                diskId.isPresent()
                        ? new Object[] {
                            Timestamp.from(clock.instant().minus(GROWTH_WINDOW_DAYS, ChronoUnit.DAYS)), diskId.get()
                        }
                        : new Object[] {Timestamp.from(clock.instant().minus(GROWTH_WINDOW_DAYS, ChronoUnit.DAYS))})) {
            long perDay = row[1] == null ? 0 : Math.round(((Number) row[1]).doubleValue());
            if (perDay > 0) {
                growth.put((String) row[0], perDay);
            }
        }
        return growth;
    }

    /**
     * A filesystem's usage from {@code since}: every report while they are kept (a day), hourly summaries before.
     */
    @Transactional
    public List<UsagePoint> history(String vmId, String mountPoint, Instant since) {
        Instant rawFrom = clock.instant().minus(config.usage().rawRetention());
        List<UsagePoint> points = new ArrayList<>();
        if (since.isBefore(rawFrom)) {
            for (Object[] row : NativeRows.rows(
                    entities,
                    "SELECT hour, total_bytes, (utilized_sum_bytes / samples)::bigint, utilized_max_bytes,"
                            + " ballast_bytes FROM inventory.usage_hourly WHERE vm_id = ?1 AND mount_point = ?2"
                            + " AND hour >= ?3 AND hour < ?4 ORDER BY hour",
                    vmId,
                    mountPoint,
                    Timestamp.from(since.truncatedTo(ChronoUnit.HOURS)),
                    Timestamp.from(rawFrom.truncatedTo(ChronoUnit.HOURS)))) {
                points.add(point(row));
            }
        }
        Instant from = since.isBefore(rawFrom) ? rawFrom.truncatedTo(ChronoUnit.HOURS) : since;
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT at, total_bytes, utilized_bytes, utilized_bytes, ballast_bytes FROM inventory.usage_sample"
                        + " WHERE vm_id = ?1 AND mount_point = ?2 AND at >= ?3 ORDER BY at",
                vmId,
                mountPoint,
                Timestamp.from(from))) {
            points.add(point(row));
        }
        return points;
    }

    /**
     * A VM's filesystems hour by hour from {@code from}, before {@code until}: the first {@code hours} hours that have
     * any, each hour's filesystems by mount point.
     */
    @Transactional
    public List<HourlyUsage> hourly(String vmId, VmHistory.From from, Instant until, int hours) {
        List<Object> parameters = new ArrayList<>(List.of(vmId, Timestamp.from(until)));
        String after = HistoryRows.from(from, "hour", null, key -> key, parameters);
        List<HourlyUsage> usage = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT hour, mount_point, disk_id, total_bytes, (utilized_sum_bytes / samples)::bigint,"
                        + " utilized_max_bytes, ballast_bytes, samples FROM inventory.usage_hourly"
                        + " WHERE vm_id = ?1 AND hour IN (SELECT DISTINCT hour FROM inventory.usage_hourly"
                        + " WHERE vm_id = ?1 AND hour < ?2 AND " + after + " ORDER BY hour LIMIT " + hours + ")"
                        + " ORDER BY hour, mount_point COLLATE \"C\"",
                parameters.toArray())) {
            usage.add(new HourlyUsage(
                    NativeRows.instant(row[0]),
                    (String) row[1],
                    Optional.ofNullable((String) row[2]),
                    NativeRows.bytes(row[3]),
                    NativeRows.bytes(row[4]),
                    NativeRows.bytes(row[5]),
                    NativeRows.bytes(row[6]),
                    ((Number) row[7]).intValue()));
        }
        return usage;
    }

    @Scheduled(
            identity = "ballast-inventory-usage-retention",
            every = "${ballast.inventory.usage.purge-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @Transactional
    void purge() {
        Instant now = clock.instant();
        int raw = entities.createNativeQuery("DELETE FROM inventory.usage_sample WHERE at < ?1")
                .setParameter(1, Timestamp.from(now.minus(config.usage().rawRetention())))
                .executeUpdate();
        int hourly = entities.createNativeQuery("DELETE FROM inventory.usage_hourly WHERE hour < ?1")
                .setParameter(1, Timestamp.from(now.minus(config.usage().hourlyRetention())))
                .executeUpdate();
        LOG.debugf("usage purged raw=%d hourly=%d", raw, hourly);
    }

    private void latest(FilesystemUsage usage) {
        entities.createNativeQuery("INSERT INTO inventory.filesystem_usage (vm_id, mount_point, disk_id, guest_disk,"
                        + " total_bytes, utilized_bytes, free_bytes, ballast_bytes, reported_at)"
                        + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                        + " ON CONFLICT (vm_id, mount_point) DO UPDATE SET disk_id = excluded.disk_id,"
                        + " guest_disk = excluded.guest_disk, total_bytes = excluded.total_bytes,"
                        + " utilized_bytes = excluded.utilized_bytes, free_bytes = excluded.free_bytes,"
                        + " ballast_bytes = excluded.ballast_bytes, reported_at = excluded.reported_at"
                        + " WHERE filesystem_usage.reported_at <= excluded.reported_at")
                .setParameter(1, usage.vmId())
                .setParameter(2, usage.mountPoint())
                .setParameter(3, usage.diskId().orElse(null))
                .setParameter(4, usage.guestDisk())
                .setParameter(5, usage.totalBytes())
                .setParameter(6, usage.utilizedBytes())
                .setParameter(7, usage.freeBytes())
                .setParameter(8, usage.ballastBytes())
                .setParameter(9, Timestamp.from(usage.reportedAt()))
                .executeUpdate();
    }

    /** Keeps the report; false if it was kept already (delivered again). */
    private boolean sample(FilesystemUsage usage) {
        return entities.createNativeQuery("INSERT INTO inventory.usage_sample (vm_id, mount_point, at, disk_id,"
                                + " total_bytes, utilized_bytes, free_bytes, ballast_bytes)"
                                + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING")
                        .setParameter(1, usage.vmId())
                        .setParameter(2, usage.mountPoint())
                        .setParameter(3, Timestamp.from(usage.reportedAt()))
                        .setParameter(4, usage.diskId().orElse(null))
                        .setParameter(5, usage.totalBytes())
                        .setParameter(6, usage.utilizedBytes())
                        .setParameter(7, usage.freeBytes())
                        .setParameter(8, usage.ballastBytes())
                        .executeUpdate()
                == 1;
    }

    private void summarize(FilesystemUsage usage) {
        entities.createNativeQuery("INSERT INTO inventory.usage_hourly (vm_id, mount_point, hour, disk_id, samples,"
                        + " utilized_sum_bytes, utilized_max_bytes, total_bytes, ballast_bytes, last_at)"
                        + " VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?7, ?8)"
                        + " ON CONFLICT (vm_id, mount_point, hour) DO UPDATE SET samples = usage_hourly.samples + 1,"
                        + " utilized_sum_bytes = usage_hourly.utilized_sum_bytes + excluded.utilized_sum_bytes,"
                        + " utilized_max_bytes = greatest(usage_hourly.utilized_max_bytes, excluded.utilized_max_bytes),"
                        + " disk_id = CASE WHEN excluded.last_at >= usage_hourly.last_at THEN excluded.disk_id"
                        + " ELSE usage_hourly.disk_id END,"
                        + " total_bytes = CASE WHEN excluded.last_at >= usage_hourly.last_at THEN excluded.total_bytes"
                        + " ELSE usage_hourly.total_bytes END,"
                        + " ballast_bytes = CASE WHEN excluded.last_at >= usage_hourly.last_at"
                        + " THEN excluded.ballast_bytes ELSE usage_hourly.ballast_bytes END,"
                        + " last_at = greatest(usage_hourly.last_at, excluded.last_at)")
                .setParameter(1, usage.vmId())
                .setParameter(2, usage.mountPoint())
                .setParameter(3, Timestamp.from(usage.reportedAt().truncatedTo(ChronoUnit.HOURS)))
                .setParameter(4, usage.diskId().orElse(null))
                .setParameter(5, BigDecimal.valueOf(usage.utilizedBytes()))
                .setParameter(6, usage.totalBytes())
                .setParameter(7, usage.ballastBytes())
                .setParameter(8, Timestamp.from(usage.reportedAt()))
                .executeUpdate();
    }

    /** The VM's disks that are not gone: id and serial. */
    private List<String[]> disksOf(String vmId) {
        List<String[]> disks = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities, "SELECT id, serial FROM inventory.virtual_disk WHERE vm_id = ?1 AND gone_at IS NULL", vmId)) {
            disks.add(new String[] {(String) row[0], (String) row[1]});
        }
        return disks;
    }

    private List<FilesystemUsage> latestWhere(String condition, String value) {
        List<FilesystemUsage> usages = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT vm_id, mount_point, disk_id, guest_disk, total_bytes, utilized_bytes, free_bytes,"
                        + " ballast_bytes, reported_at FROM inventory.filesystem_usage WHERE " + condition
                        + " ORDER BY vm_id, mount_point",
                value)) {
            usages.add(new FilesystemUsage(
                    (String) row[0],
                    (String) row[1],
                    Optional.ofNullable((String) row[2]),
                    (String) row[3],
                    ((Number) row[4]).longValue(),
                    ((Number) row[5]).longValue(),
                    ((Number) row[6]).longValue(),
                    ((Number) row[7]).longValue(),
                    NativeRows.instant(row[8])));
        }
        return usages;
    }

    private static UsagePoint point(Object[] row) {
        return new UsagePoint(
                NativeRows.instant(row[0]),
                ((Number) row[1]).longValue(),
                ((Number) row[2]).longValue(),
                ((Number) row[3]).longValue(),
                ((Number) row[4]).longValue());
    }

    /** A protobuf uint64 as bytes: one above {@code Long.MAX_VALUE} is no size any filesystem has. */
    private static long bytes(long unsigned) {
        if (unsigned < 0) {
            throw new IllegalArgumentException(Long.toUnsignedString(unsigned) + " bytes is no size");
        }
        return unsigned;
    }
}
