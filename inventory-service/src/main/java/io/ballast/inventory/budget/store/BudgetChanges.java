package io.ballast.inventory.budget.store;

import io.ballast.inventory.budget.BudgetChange;
import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.fleet.store.FleetReads;
import io.ballast.inventory.history.VmHistory;
import io.ballast.inventory.store.HistoryRows;
import io.ballast.inventory.store.NativeRows;
import io.ballast.support.inventory.GuestDiskNames;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * The budget changes seen on the bus, for VMs' histories: kept once each (a command resent with its generation, or
 * an event delivered again, changes nothing) for as long as hourly usage.
 */
@ApplicationScoped
public class BudgetChanges {

    private static final Logger LOG = Logger.getLogger(BudgetChanges.class);

    private final EntityManager entities;
    private final FleetReads fleet;
    private final InventoryConfig config;
    private final Clock clock = Clock.systemUTC();

    BudgetChanges(EntityManager entities, FleetReads fleet, InventoryConfig config) {
        this.entities = entities;
        this.fleet = fleet;
        this.config = config;
    }

    /**
     * Keeps {@code change}, on the disk of its VM that its guest's name for the disk names (by serial), if one does.
     *
     * @return whether it was new
     */
    @Transactional
    public boolean seen(BudgetChange change) {
        Optional<String> diskId = GuestDiskNames.matching(
                        change.guestDisk(), fleet.disksOfVm(change.vmId(), false), Recorded.Disk::serial)
                .map(Recorded.Disk::id);
        return entities.createNativeQuery("INSERT INTO inventory.budget_change (vm_id, disk_id, guest_disk,"
                                + " mount_point, generation, kind, ballast_bytes, failure, detail, at)"
                                + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING")
                        .setParameter(1, change.vmId())
                        .setParameter(2, diskId.orElse(null))
                        .setParameter(3, change.guestDisk())
                        .setParameter(4, change.mountPoint())
                        .setParameter(5, change.generation())
                        .setParameter(6, change.kind().name())
                        .setParameter(7, change.ballastBytes())
                        .setParameter(8, change.failure().orElse(null))
                        .setParameter(9, change.detail())
                        .setParameter(10, Timestamp.from(change.at()))
                        .executeUpdate()
                == 1;
    }

    /**
     * A VM's changes from {@code from}, before {@code until}, in time order, at most {@code limit}; each with the
     * figure of the same kind before it for its filesystem, however long ago.
     */
    @Transactional
    public List<BudgetChange.Kept> ofVm(String vmId, VmHistory.From from, Instant until, int limit) {
        List<Object> parameters = new ArrayList<>(List.of(vmId, Timestamp.from(until)));
        String after = HistoryRows.from(from, "at", "seq", Long::parseLong, parameters);
        List<BudgetChange.Kept> changes = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT seq, vm_id, disk_id, guest_disk, mount_point, generation, kind, ballast_bytes, failure,"
                        + " detail, at, previous FROM (SELECT *, lag(ballast_bytes) OVER (PARTITION BY guest_disk,"
                        + " mount_point, kind ORDER BY generation, seq) AS previous FROM inventory.budget_change"
                        + " WHERE vm_id = ?1) changes WHERE at < ?2 AND " + after + " ORDER BY at, seq LIMIT "
                        + limit,
                parameters.toArray())) {
            changes.add(new BudgetChange.Kept(
                    NativeRows.bytes(row[0]),
                    new BudgetChange(
                            (String) row[1],
                            (String) row[3],
                            (String) row[4],
                            NativeRows.bytes(row[5]),
                            BudgetChange.Kind.valueOf((String) row[6]),
                            NativeRows.bytes(row[7]),
                            Optional.ofNullable((String) row[8]),
                            (String) row[9],
                            NativeRows.instant(row[10])),
                    Optional.ofNullable((String) row[2]),
                    row[11] == null ? OptionalLong.empty() : OptionalLong.of(NativeRows.bytes(row[11]))));
        }
        return changes;
    }

    @Scheduled(
            identity = "ballast-inventory-budget-change-retention",
            every = "${ballast.inventory.usage.purge-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void purge() {
        purge(clock.instant());
    }

    /** Deletes the changes older than hourly usage is kept at {@code now}; answers how many. */
    @Transactional
    public int purge(Instant now) {
        int purged = entities.createNativeQuery("DELETE FROM inventory.budget_change WHERE at < ?1")
                .setParameter(1, Timestamp.from(now.minus(config.usage().hourlyRetention())))
                .executeUpdate();
        LOG.debugf("budget changes purged=%d", purged);
        return purged;
    }
}
