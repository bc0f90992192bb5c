package io.ballast.bench.reservation;

import io.ballast.reservation.budget.BallastCommand;
import io.ballast.reservation.budget.BallastSlot;
import io.ballast.reservation.budget.BudgetEngine;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.Decision;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.DiskFacts;
import io.ballast.reservation.budget.EngineSettings;
import io.ballast.reservation.budget.Extent;
import io.ballast.reservation.budget.FilesystemUsage;
import io.ballast.reservation.budget.PendingReclaim;
import io.ballast.reservation.budget.Profile;
import io.ballast.reservation.budget.UsageHistory;
import io.ballast.reservation.budget.UsagePoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fleet of datastores and disks held in the budget engine's memory, built and settled only through the engine's own
 * inputs, as the service feeds it: inventory's disks and VMs, each agent's usage report, then a tick that plans the
 * budgets, every ballast command acknowledged as sent and every reclaim job finished, until nothing is in flight. Each
 * disk has one filesystem as large as the disk (mounted at {@code /}) and a week of hourly usage behind it, as the
 * store keeps it, so the planner estimates real trends.
 *
 * <p>The same seed builds the same fleet. Every decision is checked: one that counts an invariant violation stops the
 * benchmark, since figures of an engine that breaks its invariant mean nothing.
 */
final class EngineFleet {

    static final long GIB = 1L << 30;
    static final String ROOT = "/";

    /** A week of hourly points: what {@link UsageHistory} keeps and the store gives back with every disk. */
    static final int HISTORY_POINTS = (int) UsageHistory.WINDOW.dividedBy(UsageHistory.BUCKET);

    private static final Profile[] PROFILES = {
        new Profile("web", 0.10, 0.20, 50),
        new Profile("database", 0.15, 0.30, 80),
        new Profile("batch", 0.05, 0.15, 20)
    };
    private static final long[] DESIGNATED_GIB = {40, 60, 100, 200};

    final BudgetEngine engine;
    private final List<Shelf> shelves;

    private EngineFleet(BudgetEngine engine, List<Shelf> shelves) {
        this.engine = engine;
        this.shelves = List.copyOf(shelves);
    }

    /**
     * Builds and settles {@code disks} disks spread evenly over {@code datastores}, each datastore on one of {@code
     * pool}'s threads (they share nothing but the engine, which keeps no state of its own).
     */
    static EngineFleet build(ExecutorService pool, int disks, int datastores, long seed, Instant start)
            throws InterruptedException, ExecutionException {
        AtomicLong incarnations = new AtomicLong();
        BudgetEngine engine =
                new BudgetEngine(EngineSettings.defaults(), () -> Long.toHexString(incarnations.incrementAndGet()));
        List<Callable<Shelf>> builds = new ArrayList<>(datastores);
        for (int i = 0; i < datastores; i++) {
            int index = i;
            int count = disks / datastores + (i < disks % datastores ? 1 : 0);
            builds.add(() -> Shelf.build(engine, index, count, seed, start));
        }
        List<Shelf> shelves = new ArrayList<>(datastores);
        for (Future<Shelf> built : pool.invokeAll(builds)) {
            shelves.add(built.get());
        }
        return new EngineFleet(engine, shelves);
    }

    List<Shelf> shelves() {
        return shelves;
    }

    /**
     * Forgets every disk's estimated trend: the plan then estimates each afresh, as happens once per disk when its
     * hourly usage bucket closes (a disk read back from the store keeps its estimate until then).
     */
    void forgetForecasts() {
        for (Shelf shelf : shelves) {
            for (Disk disk : shelf.datastore.disks()) {
                disk.history().restore(disk.history().points(), Optional.empty());
            }
        }
    }

    /**
     * One datastore of the fleet and its guests: the engine's aggregate, each disk's utilized bytes (the guest side
     * the engine only knows from reports), and the datastore's clock. The agents apply every command as sent, the
     * worker punches every reclaim.
     */
    static final class Shelf {

        final BudgetEngine engine;
        final Datastore datastore;
        final Map<String, Long> utilized = new HashMap<>();
        Instant now;

        private Shelf(BudgetEngine engine, Datastore datastore, Instant now) {
            this.engine = engine;
            this.datastore = datastore;
            this.now = now;
        }

        /**
         * Datastore {@code index} with {@code disks} disks, settled: ballasts inflated to the planned budgets,
         * acknowledged and reclaimed. Its capacity leaves 0 to 40 % over what the disks would like (the first
         * datastore 25 %), so the planner both shares out spare and keeps headroom.
         */
        static Shelf build(BudgetEngine engine, int index, int disks, long seed, Instant start) {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003 + index);
            String datastoreId = String.format(Locale.ROOT, "ds-%05d", index);
            List<Guest> guests = new ArrayList<>(disks);
            long wanted = 0;
            for (int d = 0; d < disks; d++) {
                Profile profile = PROFILES[random.nextInt(PROFILES.length)];
                long designated = DESIGNATED_GIB[random.nextInt(DESIGNATED_GIB.length)] * GIB;
                long used = (long) (designated * (0.15 + 0.45 * random.nextDouble()));
                // up to 0.17 % of the disk a day, some disks shrinking a little: real forecasts, not all flat
                double bytesPerHour = designated * (random.nextDouble() * 0.002 - 0.0003) / 24;
                String diskId = datastoreId + "-disk-" + d;
                guests.add(new Guest(diskId, "vm-" + diskId, designated, used, bytesPerHour, profile));
                wanted += (long) (used / (1 - profile.desiredFreeRatio())) + (long) Math.max(0, bytesPerHour * 24 * 7);
            }
            double room = index == 0 ? 1.25 : 1.0 + 0.4 * random.nextDouble();
            Shelf shelf = new Shelf(
                    engine, new Datastore(datastoreId, (long) (wanted * room), 0, DatastorePolicy.strict(0)), start);
            for (Guest guest : guests) {
                shelf.add(guest, random);
            }
            shelf.tick();
            shelf.settle();
            for (Guest guest : guests) {
                shelf.report(guest.diskId);
            }
            shelf.settle();
            return shelf;
        }

        private void add(Guest guest, SplittableRandom random) {
            check(engine.diskUpserted(
                    datastore,
                    new DiskFacts(
                            guest.diskId,
                            guest.vmId,
                            guest.designatedBytes,
                            0,
                            "/datastores/" + datastore.id() + "/" + guest.diskId + ".img",
                            "serial-" + guest.diskId,
                            true),
                    now));
            check(engine.vmUpserted(
                    datastore, guest.vmId, Optional.of("host-" + random.nextInt(64)), guest.profile, now));
            Disk disk = datastore.disk(guest.diskId).orElseThrow();
            disk.history().restore(history(guest, now, random), Optional.empty());
            utilized.put(guest.diskId, guest.usedBytes);
            report(guest.diskId);
        }

        /** The disk's agent reports its filesystem as the guest holds it now: its usage, its ballast as applied. */
        Decision report(String diskId) {
            return check(engine.usageReported(datastore, diskId, usage(diskId), now));
        }

        /** What the disk's agent would report now. */
        List<FilesystemUsage> usage(String diskId) {
            Disk disk = datastore.disk(diskId).orElseThrow();
            long ballast = disk.ballast(ROOT).map(BallastSlot::appliedBytes).orElse(0L);
            long used = utilized.get(diskId);
            long total = disk.designatedBytes();
            return List.of(new FilesystemUsage(ROOT, total, used, Math.max(0, total - used - ballast), ballast));
        }

        /** Ten seconds pass on the datastore: the engine's tick (plans budgets, expires, resends). */
        Decision tick() {
            now = now.plus(Duration.ofSeconds(10));
            return check(engine.tick(datastore, List.of(), now));
        }

        /** Acknowledges the disk's command in flight, its ballast at the disk's end; false when there is none. */
        boolean acknowledge(Disk disk) {
            if (disk.command().isEmpty() || !disk.agentOnline()) {
                return false;
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
            return true;
        }

        /** Finishes every reclaim job of the disk in flight, nothing found written back; false when there is none. */
        boolean reclaim(Disk disk) {
            boolean any = false;
            for (PendingReclaim job : disk.reclaims()) {
                check(engine.reclaimFinished(datastore, disk.id(), job.jobId(), 0, now));
                any = true;
            }
            return any;
        }

        /** Acknowledges and reclaims until nothing is in flight on the datastore. */
        void settle() {
            for (int round = 0; round < 100; round++) {
                boolean any = false;
                for (Disk disk : datastore.disks()) {
                    any |= acknowledge(disk);
                }
                for (Disk disk : datastore.disks()) {
                    any |= reclaim(disk);
                }
                if (!any) {
                    return;
                }
            }
            throw new IllegalStateException("datastore " + datastore.id() + " did not settle in 100 rounds");
        }
    }

    private record Guest(
            String diskId, String vmId, long designatedBytes, long usedBytes, double bytesPerHour, Profile profile) {}

    /** The week before {@code now}, one point an hour: the trend plus noise of 0.5 % of the disk. */
    private static List<UsagePoint> history(Guest guest, Instant now, SplittableRandom random) {
        long hour = UsageHistory.BUCKET.toSeconds();
        Instant lastHour = Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond(), hour) * hour - hour);
        List<UsagePoint> points = new ArrayList<>(HISTORY_POINTS);
        for (int hoursAgo = HISTORY_POINTS - 1; hoursAgo >= 0; hoursAgo--) {
            double noise = (random.nextDouble() - 0.5) * 0.01 * guest.designatedBytes;
            long used = (long) (guest.usedBytes - guest.bytesPerHour * (hoursAgo + 1) + noise);
            points.add(new UsagePoint(
                    lastHour.minus(Duration.ofHours(hoursAgo)), Math.clamp(used, 0, guest.designatedBytes)));
        }
        return points;
    }

    /** The decision, unless it counts an invariant violation: then the benchmark stops. */
    static Decision check(Decision decision) {
        if (decision.invariantViolations() > 0) {
            throw new IllegalStateException("the engine counted " + decision.invariantViolations()
                    + " invariant violation(s) in a decision of the benchmark's fleet: " + decision.effects());
        }
        return decision;
    }
}
