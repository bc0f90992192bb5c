package io.ballast.bench.reservation;

import io.ballast.bench.Benchmark;
import io.ballast.bench.Machine;
import io.ballast.bench.ProcessCpu;
import io.ballast.bench.Report;
import io.ballast.bench.Rounds;
import io.ballast.bench.Stats;
import io.ballast.bench.reservation.EngineFleet.Shelf;
import io.ballast.local.Checkout;
import io.ballast.reservation.budget.Decision;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.Effect;
import io.ballast.reservation.budget.FilesystemUsage;
import io.ballast.reservation.budget.Plan;
import io.ballast.reservation.budget.Planner;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench reservation}: the reservation service's budget engine against the design's goals, in this
 * JVM (the engine is plain Java), then the service itself on PostgreSQL.
 *
 * <ul>
 *   <li>A full plan: {@link Planner#plan} on every datastore of a fleet (100,000 disks on 2,000 datastores by
 *       default), the datastores shared out over {@code --threads}, each disk with a week of hourly usage behind it.
 *       Timed as the service's ticks plan, each disk's trend already estimated (the store keeps each disk's
 *       estimate until its hourly usage bucket closes), and with every trend estimated in the same pass, which the
 *       service never does at once: each disk's estimate is made when its own hour closes.
 *   <li>Telemetry to decision: {@code BudgetEngine.usageReported} on one datastore of the fleet (50 disks by
 *       default), each report changing its disk's usage enough that the engine sends a ballast command; the agent
 *       and the worker answer it at once, outside the measured time.
 *   <li>Growth to outbox row: the packaged reservation-service on its own PostgreSQL and Kafka, asked for growths over
 *       REST one after the other ({@link ServiceGrowths}); {@code --engine-only} leaves it out.
 * </ul>
 *
 * <p>There is no other program that decides ballast budgets to compare with: the reference is the design's goals.
 */
@Command(
        name = "reservation",
        description = "The reservation service's budget engine (a full plan of a fleet, telemetry to decision) and"
                + " growth requests over REST to the service on PostgreSQL.")
public final class ReservationBench extends Benchmark {

    static final double GOAL_FULL_PLAN_MS = 1_000;
    static final int GOAL_DISKS = 100_000;
    static final int GOAL_DATASTORES = 2_000;
    static final double GOAL_TELEMETRY_P99_MS = 1;

    /** The fleet's start: any instant does, a fixed one makes runs alike. */
    static final Instant START = Instant.parse("2026-12-05T12:00:30Z");

    @Mixin
    Rounds rounds = new Rounds(5, 100);

    @Option(
            names = "--disks",
            paramLabel = "N",
            defaultValue = "100000",
            description = "Disks in the fleet (default: ${DEFAULT-VALUE}).")
    int disks;

    @Option(
            names = "--datastores",
            paramLabel = "N",
            defaultValue = "2000",
            description = "Datastores the disks are spread over, evenly (default: ${DEFAULT-VALUE}).")
    int datastores;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Threads planning datastores side by side (default: this JVM's processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(
            names = "--events",
            paramLabel = "N",
            defaultValue = "20000",
            description = "Usage reports measured, after as many not measured while the JIT warms up (default:"
                    + " ${DEFAULT-VALUE}).")
    int events;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "1",
            description = "Seed of the fleets (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--engine-only",
            description = "Measure the engine only: start neither the service nor PostgreSQL and Kafka.")
    boolean engineOnly;

    @Option(
            names = "--service-disks",
            paramLabel = "N",
            defaultValue = "200",
            description = "Disks described to the service, each asked for growths in turn (default: ${DEFAULT-VALUE}).")
    int serviceDisks;

    @Option(
            names = "--service-datastores",
            paramLabel = "N",
            defaultValue = "4",
            description = "Datastores the service's disks are spread over (default: ${DEFAULT-VALUE}).")
    int serviceDatastores;

    @Option(
            names = "--growths",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Growth requests measured, after --growth-warmup not measured (default: ${DEFAULT-VALUE}).")
    int growths;

    @Option(
            names = "--growth-warmup",
            paramLabel = "N",
            defaultValue = "200",
            description = "Growth requests sent before measuring, while the service's JIT warms up (default:"
                    + " ${DEFAULT-VALUE}).")
    int growthWarmup;

    /**
     * The figures of one run; times in milliseconds.
     *
     * @param fullPlanRoundsMs each measured round's full plan as a tick makes it (every trend known), wall time
     * @param fullPlanMs their median: the figure the goal is about
     * @param fullPlanCpuMs the median of this JVM's CPU time (every thread) over each such round: what a plan costs
     *     whatever else shares the cores; on idle cores, about {@code fullPlanMs} times the threads
     * @param fullPlanPerDatastoreMs that median over the datastores (the wall time's share of one)
     * @param datastorePlanP50Ms one datastore's plan on one thread, trends known, over every measured round
     * @param fullPlanTrendsEstimatedRoundsMs each round's full plan with every disk's trend estimated in it, wall time
     *     (each such round comes first, the round with the trends known right after it)
     * @param fullPlanTrendsEstimatedMs their median
     * @param fullPlanTrendsEstimatedCpuMs the median of this JVM's CPU time over those rounds
     * @param trendEstimateCpuUs that CPU time less the trends-known round's, per disk: one disk's estimate
     * @param fullPlanGoalMet whether {@code fullPlanMs} is under the goal; absent for a fleet smaller than the goal's
     * @param telemetryDecisionsWithCommand measured reports whose decision sent a ballast command
     * @param telemetryToDecisionP99Ms one {@code usageReported} call, the report in, the decision out
     * @param service the service's part; absent with {@code --engine-only}
     */
    public record Figures(
            Machine machine,
            int disks,
            int datastores,
            int threads,
            int runs,
            int historyPointsPerDisk,
            double fleetBuildSeconds,
            List<Double> fullPlanRoundsMs,
            double fullPlanMs,
            double fullPlanCpuMs,
            double fullPlanPerDatastoreMs,
            double datastorePlanP50Ms,
            double datastorePlanP99Ms,
            double datastorePlanMaxMs,
            List<Double> fullPlanTrendsEstimatedRoundsMs,
            double fullPlanTrendsEstimatedMs,
            double fullPlanTrendsEstimatedCpuMs,
            double trendEstimateCpuUs,
            CpuShare fullPlanCpu,
            double fullPlanGoalMs,
            Optional<Boolean> fullPlanGoalMet,
            int telemetryDatastoreDisks,
            int telemetryEvents,
            int telemetryDecisionsWithCommand,
            double telemetryToDecisionP50Ms,
            double telemetryToDecisionP99Ms,
            double telemetryToDecisionMaxMs,
            CpuShare telemetryCpu,
            double telemetryGoalP99Ms,
            boolean telemetryGoalMet,
            Optional<ServiceGrowths.Figures> service)
            implements Report {

        @Override
        public String text() {
            String engine = String.format(
                    Locale.ROOT,
                    """
                    budget engine, %,d disks on %,d datastores (%d hourly points of usage each), %d threads:
                      full plan as a tick makes it (trends known): median %.0f ms of %d rounds %s (%.3f ms of it a datastore)
                        one datastore on one thread: p50 %.3f ms, p99 %.3f ms, max %.3f ms
                        CPU time of this JVM (all threads): median %.0f ms
                      full plan, every trend estimated in it: median %.0f ms %s, CPU %.0f ms (%.0f us a disk's estimate)
                      cores busy meanwhile: %s
                      goal under %.0f ms for %,d disks on %,d datastores on 2 cores: %s
                    telemetry to decision, one datastore of %d disks, %,d reports (%,d sent a command):
                      p50 %.3f ms, p99 %.3f ms, max %.3f ms; goal p99 under %.0f ms: %s
                      cores busy meanwhile: %s""",
                    disks,
                    datastores,
                    historyPointsPerDisk,
                    threads,
                    fullPlanMs,
                    runs,
                    fullPlanRoundsMs.stream()
                            .map(ms -> String.format(Locale.ROOT, "%.0f", ms))
                            .toList(),
                    fullPlanPerDatastoreMs,
                    datastorePlanP50Ms,
                    datastorePlanP99Ms,
                    datastorePlanMaxMs,
                    fullPlanCpuMs,
                    fullPlanTrendsEstimatedMs,
                    fullPlanTrendsEstimatedRoundsMs.stream()
                            .map(ms -> String.format(Locale.ROOT, "%.0f", ms))
                            .toList(),
                    fullPlanTrendsEstimatedCpuMs,
                    trendEstimateCpuUs,
                    fullPlanCpu.describe(),
                    fullPlanGoalMs,
                    GOAL_DISKS,
                    GOAL_DATASTORES,
                    fullPlanGoalMet.map(met -> met ? "met" : "NOT met").orElse("not judged, the fleet is smaller"),
                    telemetryDatastoreDisks,
                    telemetryEvents,
                    telemetryDecisionsWithCommand,
                    telemetryToDecisionP50Ms,
                    telemetryToDecisionP99Ms,
                    telemetryToDecisionMaxMs,
                    telemetryGoalP99Ms,
                    telemetryGoalMet ? "met" : "NOT met",
                    telemetryCpu.describe());
            return engine
                    + System.lineSeparator()
                    + service.map(ServiceGrowths.Figures::text)
                            .orElse("reservation-service: not measured (--engine-only)");
        }
    }

    @Override
    protected Report measure() throws Exception {
        int runs = rounds.count();
        requireOptions();
        PrintWriter err = progress();
        EngineFigures engine = measureEngine(runs, err);
        Optional<ServiceGrowths.Figures> service = Optional.empty();
        if (!engineOnly) {
            service = Optional.of(new ServiceGrowths(serviceDisks, serviceDatastores, growthWarmup, growths, seed, err)
                    .measure(Checkout.containing(ReservationBench.class)));
        }
        long[] datastoreNanos = Stats.sorted(engine.perDatastoreNanos());
        long[] latencies = Stats.sorted(engine.telemetryNanos());
        double fullPlanMs = Stats.median(engine.fullPlanMs());
        double estimatedCpuMs = Stats.median(engine.trendsEstimatedCpuMs());
        double p99 = Stats.millis(Stats.percentile(latencies, 0.99));
        return new Figures(
                Machine.here(),
                disks,
                datastores,
                threads,
                runs,
                EngineFleet.HISTORY_POINTS,
                engine.buildSeconds(),
                engine.fullPlanMs(),
                fullPlanMs,
                Stats.median(engine.fullPlanCpuMs()),
                fullPlanMs / datastores,
                Stats.millis(Stats.percentile(datastoreNanos, 0.50)),
                Stats.millis(Stats.percentile(datastoreNanos, 0.99)),
                Stats.millis(Stats.percentile(datastoreNanos, 1.0)),
                engine.trendsEstimatedMs(),
                Stats.median(engine.trendsEstimatedMs()),
                estimatedCpuMs,
                Math.max(0, estimatedCpuMs - Stats.median(engine.fullPlanCpuMs())) * 1000 / disks,
                engine.planCpu(),
                GOAL_FULL_PLAN_MS,
                disks >= GOAL_DISKS ? Optional.of(fullPlanMs < GOAL_FULL_PLAN_MS) : Optional.empty(),
                engine.telemetryDatastoreDisks(),
                events,
                engine.telemetryWithCommand(),
                Stats.millis(Stats.percentile(latencies, 0.50)),
                p99,
                Stats.millis(Stats.percentile(latencies, 1.0)),
                engine.telemetryCpu(),
                GOAL_TELEMETRY_P99_MS,
                p99 < GOAL_TELEMETRY_P99_MS,
                service);
    }

    private void requireOptions() {
        if (datastores < 1 || datastores > 1_000_000) {
            throw new IllegalArgumentException("--datastores must be 1 to 1000000, not " + datastores);
        }
        if (disks < datastores || disks > 10_000_000) {
            throw new IllegalArgumentException(
                    "--disks must be at least --datastores (" + datastores + ") and at most 10000000, not " + disks);
        }
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("--threads must be 1 to 1024, not " + threads);
        }
        if (events < 1 || events > 10_000_000) {
            throw new IllegalArgumentException("--events must be 1 to 10000000, not " + events);
        }
        if (serviceDatastores < 1 || serviceDatastores > 1000) {
            throw new IllegalArgumentException("--service-datastores must be 1 to 1000, not " + serviceDatastores);
        }
        if (serviceDisks < serviceDatastores || serviceDisks > 100_000) {
            throw new IllegalArgumentException("--service-disks must be at least --service-datastores ("
                    + serviceDatastores + ") and at most 100000, not " + serviceDisks);
        }
        if (growths < 1 || growths > 1_000_000) {
            throw new IllegalArgumentException("--growths must be 1 to 1000000, not " + growths);
        }
        if (growthWarmup < 0 || growthWarmup > 1_000_000) {
            throw new IllegalArgumentException("--growth-warmup must be 0 to 1000000, not " + growthWarmup);
        }
    }

    /** What the engine's part measured, before the statistics; the fleet itself stays behind. */
    private record EngineFigures(
            double buildSeconds,
            List<Double> fullPlanMs,
            List<Double> fullPlanCpuMs,
            List<Double> trendsEstimatedMs,
            List<Double> trendsEstimatedCpuMs,
            long[] perDatastoreNanos,
            CpuShare planCpu,
            int telemetryDatastoreDisks,
            long[] telemetryNanos,
            int telemetryWithCommand,
            CpuShare telemetryCpu) {}

    private EngineFigures measureEngine(int runs, PrintWriter err) throws InterruptedException, ExecutionException {
        ExecutorService pool = Executors.newFixedThreadPool(
                threads, Thread.ofPlatform().name("plan-", 0).daemon().factory());
        try {
            err.printf(Locale.ROOT, "building %,d disks on %,d datastores through the engine...%n", disks, datastores);
            err.flush();
            long buildStart = System.nanoTime();
            EngineFleet fleet = EngineFleet.build(pool, disks, datastores, seed, START);
            double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
            err.printf(Locale.ROOT, "built and settled in %.1f s; planning every datastore...%n", buildSeconds);
            err.flush();

            Duration horizon = fleet.engine.settings().forecastHorizon();
            fleet.forgetForecasts();
            planAll(fleet, pool, horizon); // the JIT's round, not counted
            List<Double> fresh = new ArrayList<>();
            List<Double> freshCpu = new ArrayList<>();
            List<Double> known = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            long[] perDatastore = new long[runs * datastores];
            CpuShare.Meter planMeter = CpuShare.start();
            for (int round = 1; round <= runs; round++) {
                fleet.forgetForecasts();
                PlanRound estimating = planAll(fleet, pool, horizon);
                PlanRound knowing = planAll(fleet, pool, horizon);
                fresh.add(Stats.millis(estimating.nanos()));
                freshCpu.add(Stats.millis(estimating.cpuNanos()));
                known.add(Stats.millis(knowing.nanos()));
                cpu.add(Stats.millis(knowing.cpuNanos()));
                System.arraycopy(knowing.perDatastoreNanos(), 0, perDatastore, (round - 1) * datastores, datastores);
                err.printf(
                        Locale.ROOT,
                        "round %d: %.0f ms with trends estimated, %.0f ms with trends known%n",
                        round,
                        Stats.millis(estimating.nanos()),
                        Stats.millis(knowing.nanos()));
                err.flush();
            }
            CpuShare planCpu = planMeter.stop();

            Shelf first = fleet.shelves().getFirst();
            err.printf(Locale.ROOT, "telemetry: %,d usage reports on %s...%n", 2 * events, first.datastore.id());
            err.flush();
            CpuShare.Meter telemetryMeter = CpuShare.start();
            Telemetry telemetry = telemetry(first);
            CpuShare telemetryCpu = telemetryMeter.stop();
            return new EngineFigures(
                    buildSeconds,
                    known,
                    cpu,
                    fresh,
                    freshCpu,
                    perDatastore,
                    planCpu,
                    telemetry.datastoreDisks(),
                    telemetry.nanos(),
                    telemetry.withCommand(),
                    telemetryCpu);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One full plan: its time from the first datastore taken to the last one planned, this JVM's CPU time meanwhile,
     * and each datastore's time.
     */
    private record PlanRound(long nanos, long cpuNanos, long[] perDatastoreNanos) {}

    /** Plans every datastore, the pool's threads each taking the next datastore not yet taken. */
    private PlanRound planAll(EngineFleet fleet, ExecutorService pool, Duration horizon)
            throws InterruptedException, ExecutionException {
        List<Shelf> shelves = fleet.shelves();
        long[] perDatastore = new long[shelves.size()];
        AtomicInteger next = new AtomicInteger();
        // what the plans decided, summed so none of the work can be left out
        LongAdder planned = new LongAdder();
        List<Callable<Void>> workers = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            workers.add(() -> {
                for (int i = next.getAndIncrement(); i < shelves.size(); i = next.getAndIncrement()) {
                    long start = System.nanoTime();
                    Plan plan = Planner.plan(shelves.get(i).datastore, horizon);
                    perDatastore[i] = System.nanoTime() - start;
                    planned.add(plan.unallocatedBytes() + plan.targets().size());
                }
                return null;
            });
        }
        long cpuStart = ProcessCpu.thisJvmNanos();
        long start = System.nanoTime();
        for (Future<Void> worker : pool.invokeAll(workers)) {
            worker.get();
        }
        long nanos = System.nanoTime() - start;
        long cpuNanos = ProcessCpu.thisJvmNanos() - cpuStart;
        if (planned.sum() <= 0) {
            throw new IllegalStateException("the plans of " + shelves.size() + " datastores planned nothing");
        }
        return new PlanRound(nanos, cpuNanos, perDatastore);
    }

    /** The measured usage reports: each one's time, how many sent a command. */
    private record Telemetry(int datastoreDisks, long[] nanos, int withCommand) {}

    /**
     * Usage reports on the fleet's first datastore, disk after disk: each report alternately raises its disk's usage
     * past what its ballast leaves free (the engine deflates the ballast) and lowers it back (the engine inflates it
     * again). Each command is acknowledged, and each inflate's reclaim job finished, right after the measured call.
     */
    private Telemetry telemetry(Shelf shelf) {
        List<String> ids = shelf.datastore.disks().stream().map(Disk::id).toList();
        Map<String, Long> settledUsage = new HashMap<>(shelf.utilized);
        boolean[] raised = new boolean[ids.size()];
        long[] nanos = new long[events];
        int withCommand = 0;
        for (int e = 0; e < 2 * events; e++) {
            int d = e % ids.size();
            String id = ids.get(d);
            Disk disk = shelf.datastore.disk(id).orElseThrow();
            long usedBytes = raised[d] ? settledUsage.get(id) : pastTheBallast(disk, settledUsage.get(id));
            raised[d] = !raised[d];
            shelf.utilized.put(id, usedBytes);
            shelf.now = shelf.now.plusMillis(50);
            List<FilesystemUsage> usage = shelf.usage(id);

            long start = System.nanoTime();
            Decision decision = shelf.engine.usageReported(shelf.datastore, id, usage, shelf.now);
            long took = System.nanoTime() - start;

            EngineFleet.check(decision);
            if (e >= events) {
                nanos[e - events] = took;
                if (!decision.effects(Effect.SendBallast.class).isEmpty()) {
                    withCommand++;
                }
            }
            shelf.acknowledge(disk);
            shelf.reclaim(disk);
        }
        return new Telemetry(ids.size(), nanos, withCommand);
    }

    /**
     * Usage that leaves the disk's ballast too large for its profile's minimum free ratio (the engine must deflate),
     * while the filesystem still holds usage and ballast: from {@code settled} up to its budget less one MiB.
     */
    private static long pastTheBallast(Disk disk, long settledBytes) {
        long budget = disk.budgetBytes();
        long past = (long) (budget * (1 - disk.profile().minFreeRatio())) + EngineFleet.GIB / 2;
        return Math.max(settledBytes, Math.min(past, budget - Disk.GRANULE_BYTES));
    }
}
