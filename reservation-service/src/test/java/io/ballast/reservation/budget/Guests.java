package io.ballast.reservation.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engine with guests that do what they are told at once: each disk one filesystem as large as the disk (mounted
 * at {@code /}), whose agent applies every command as sent and whose worker punches every reclaim. Every call checks
 * that the decision counted no invariant violation, and keeps every decision's effects for the test to read.
 */
public final class Guests {

    public static final long GIB = 1L << 30;
    public static final String ROOT = "/";

    public final BudgetEngine engine;
    public final Map<String, Datastore> datastores = new HashMap<>();
    final Map<String, Long> utilized = new HashMap<>();
    final List<Effect> sent = new ArrayList<>();
    public Instant now = Instant.parse("2026-12-05T12:00:00Z");

    public Guests() {
        this(EngineSettings.defaults());
    }

    Guests(EngineSettings settings) {
        this.engine = new BudgetEngine(settings);
    }

    public Datastore datastore(String id, long capacityBytes) {
        Datastore datastore = new Datastore(id, capacityBytes, 0, DatastorePolicy.strict(0));
        datastores.put(id, datastore);
        return datastore;
    }

    /** A disk with its agent reporting {@code utilizedBytes} on one filesystem as large as the disk. */
    public Disk disk(
            String datastoreId, String diskId, String vmId, long designatedBytes, long utilizedBytes, Profile profile) {
        Datastore datastore = datastores.get(datastoreId);
        check(engine.diskUpserted(
                datastore,
                new DiskFacts(diskId, vmId, designatedBytes, 0, "/images/" + diskId + ".img", "serial-" + diskId, true),
                now));
        check(engine.vmUpserted(datastore, vmId, Optional.of("host-1"), profile, now));
        utilized.put(diskId, utilizedBytes);
        report(datastoreId, diskId);
        return datastore.disk(diskId).orElseThrow();
    }

    /** The agent's usage report as the guest's filesystem stands (its ballast as last applied). */
    public void report(String datastoreId, String diskId) {
        Datastore datastore = datastores.get(datastoreId);
        Disk disk = datastore.disk(diskId).orElseThrow();
        long ballast = disk.ballast(ROOT).map(BallastSlot::appliedBytes).orElse(0L);
        long used = utilized.get(diskId);
        check(engine.usageReported(
                datastore,
                diskId,
                List.of(new FilesystemUsage(
                        ROOT, disk.designatedBytes(), used, disk.designatedBytes() - used - ballast, ballast)),
                now));
    }

    /** Acknowledges every command in flight on the datastore, the ballast placed at the disk's end. */
    public boolean ackAll(String datastoreId) {
        Datastore datastore = datastores.get(datastoreId);
        boolean any = false;
        for (Disk disk : datastore.disks()) {
            if (disk.command().isEmpty() || !disk.agentOnline()) {
                continue;
            }
            BallastCommand command = disk.command().get();
            Optional<List<Extent>> extents = command.targetBytes() == 0
                    ? Optional.of(List.of())
                    : Optional.of(
                            List.of(new Extent(disk.designatedBytes() - command.targetBytes(), command.targetBytes())));
            check(engine.ballastApplied(
                    datastore,
                    disk.id(),
                    command.mountPoint(),
                    command.generation(),
                    command.targetBytes(),
                    extents,
                    now));
            any = true;
        }
        return any;
    }

    /** Finishes every reclaim in flight on the datastore, nothing found written back. */
    public boolean reclaimAll(String datastoreId) {
        Datastore datastore = datastores.get(datastoreId);
        boolean any = false;
        for (Disk disk : datastore.disks()) {
            for (PendingReclaim reclaim : disk.reclaims()) {
                check(engine.reclaimFinished(datastore, disk.id(), reclaim.jobId(), 0, now));
                any = true;
            }
        }
        return any;
    }

    /** Acknowledges and reclaims until nothing is in flight, the invariant checked after each step. */
    public void settle(String datastoreId) {
        for (int round = 0; round < 100; round++) {
            boolean acked = ackAll(datastoreId);
            boolean reclaimed = reclaimAll(datastoreId);
            if (!acked && !reclaimed) {
                return;
            }
        }
        throw new AssertionError("datastore " + datastoreId + " did not settle in 100 rounds");
    }

    public Decision tick(String datastoreId) {
        now = now.plus(Duration.ofSeconds(10));
        Datastore datastore = datastores.get(datastoreId);
        return check(engine.tick(datastore, List.of(), now));
    }

    public Decision check(Decision decision) {
        assertThat(decision.invariantViolations())
                .as("decisions that raised demand above a limit")
                .isZero();
        sent.addAll(decision.effects());
        return decision;
    }

    public InvariantTerms terms(String datastoreId) {
        return datastores.get(datastoreId).terms();
    }
}
