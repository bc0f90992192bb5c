package io.ballast.bench.reservation;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.bench.BenchStack;
import io.ballast.bench.ServiceApi;
import io.ballast.bench.ServiceCores;
import io.ballast.bench.Stats;
import io.ballast.local.Checkout;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.InventoryEvents;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The reservation service as it runs: its packaged program (the local stack's JVM options) on PostgreSQL and Kafka,
 * each in a JVM of its own ({@link BenchStack}), with a fleet that inventory's events describe and whose agents and
 * worker answer every command and job ({@link SimulatedPeers}). Once every disk's ballast is inflated and reclaimed,
 * an orchestrator asks for growths over REST, one after the other, round-robin over the disks: each is timed from the
 * request sent to the answer read. The service answers a granted growth (200) only after the transaction that holds
 * the decision and its deflate command in the outbox ({@code reservation.ballast_outbox}) committed, so that time is
 * the time to the outbox row; the time until the command reached the disk's agent (through the outbox's relay and
 * Kafka) is measured too.
 */
final class ServiceGrowths {

    static final long GIB = 1L << 30;
    static final long DESIGNATED_BYTES = 100 * GIB;
    static final long GROWTH_BYTES = GIB;
    static final String PROFILE = "web";

    /** How long the fleet may take to be described, planned, inflated and reclaimed. */
    static final Duration SETTLE_BOUND = Duration.ofSeconds(180);

    /** How often each simulated agent reports: well within the service's 3 minutes before an agent counts as gone. */
    static final Duration REPORT_EVERY = Duration.ofSeconds(60);

    /**
     * What the service did with the growths.
     *
     * @param granted answered 200: the deflate was sent (its command is in the outbox)
     * @param pending answered 202: other disks' space is taken back first
     * @param refused answered 409
     * @param growthToOutboxP99Ms the granted growths' round trips, request sent to answer read
     * @param commandsSeen granted growths whose deflate command reached the disk's simulated agent
     * @param growthToCommandP99Ms request sent to the command's arrival at the agent, for those
     * @param cores who kept the cores busy over the measured growths' wall time (in the JSON beside the other
     *     figures): the service, PostgreSQL, Kafka, this JVM (the orchestrator, the simulated agents and worker)
     */
    public record Figures(
            int disks,
            int datastores,
            int warmupGrowths,
            int growths,
            int granted,
            int pending,
            int refused,
            double growthToOutboxP50Ms,
            double growthToOutboxP99Ms,
            double growthToOutboxMaxMs,
            int commandsSeen,
            double growthToCommandP50Ms,
            double growthToCommandP99Ms,
            double growthToCommandMaxMs,
            @JsonUnwrapped ServiceCores cores) {

        /** The figures as a few lines for people. */
        String text() {
            return String.format(
                    Locale.ROOT,
                    """
                    reservation-service on PostgreSQL, %d disks on %d datastores, %,d growths over REST one after \
                    the other (after %,d not counted):
                      %,d granted, %,d pending, %,d refused
                      granted, request to answer (outbox row committed): p50 %.1f ms, p99 %.1f ms, max %.1f ms
                      granted, request to the deflate at the agent (%,d seen): p50 %.1f ms, p99 %.1f ms, max %.1f ms
                      cores busy meanwhile: %s""",
                    disks,
                    datastores,
                    growths,
                    warmupGrowths,
                    granted,
                    pending,
                    refused,
                    growthToOutboxP50Ms,
                    growthToOutboxP99Ms,
                    growthToOutboxMaxMs,
                    commandsSeen,
                    growthToCommandP50Ms,
                    growthToCommandP99Ms,
                    growthToCommandMaxMs,
                    cores.describe("the service", ""));
        }
    }

    private final int disks;
    private final int datastores;
    private final int warmup;
    private final int growths;
    private final long seed;
    private final PrintWriter err;
    private long service;
    private long infrastructure;
    private Optional<ProcessHandle> postgres = Optional.empty();
    private ServiceApi viewer;
    private ServiceApi orchestrator;

    ServiceGrowths(int disks, int datastores, int warmup, int growths, long seed, PrintWriter err) {
        this.disks = disks;
        this.datastores = datastores;
        this.warmup = warmup;
        this.growths = growths;
        this.seed = seed;
        this.err = err;
    }

    /** Starts the stack, describes and settles the fleet, sends the growths; stops everything before returning. */
    Figures measure(Checkout checkout) throws IOException, InterruptedException {
        try (BenchStack stack = BenchStack.open(checkout, err)) {
            BenchStack.Infrastructure infra = stack.startInfrastructure(true);
            infrastructure = infra.pid();
            postgres = ServiceCores.postgresServer(infra.environment());
            BenchStack.Service reservation = stack.startService("reservation-service", infra, Map.of());
            service = reservation.pid();
            viewer = reservation.as("reservation-bench", Roles.VIEWER);
            orchestrator = reservation.as("reservation-bench", Roles.ORCHESTRATOR);

            Figures figures;
            try (SimulatedPeers peers = new SimulatedPeers(infra.kafkaBootstrap());
                    ScheduledExecutorService reports = Executors.newSingleThreadScheduledExecutor(
                            Thread.ofPlatform().name("agent-reports").daemon().factory())) {
                describe(infra.kafkaBootstrap(), peers);
                reports.scheduleAtFixedRate(
                        () -> reportAll(peers), REPORT_EVERY.toSeconds(), REPORT_EVERY.toSeconds(), TimeUnit.SECONDS);
                figures = grow(peers);
            }
            stack.succeeded();
            return figures;
        }
    }

    private String datastoreId(int index) {
        return String.format(Locale.ROOT, "bench-ds-%03d", index);
    }

    private String diskId(int index) {
        return String.format(Locale.ROOT, "bench-disk-%05d", index);
    }

    private static String serial(String diskId) {
        return "ser-" + diskId;
    }

    /**
     * Inventory's events for the fleet (the datastores first), then every agent's first report; returns once every
     * disk's ballast is inflated to its planned budget and reclaimed. Each datastore is 0.6 of its disks' designated
     * size: overcommitted, with room for every disk's desired free space and the growths.
     */
    private void describe(String kafka, SimulatedPeers peers) throws InterruptedException {
        err.printf(Locale.ROOT, "describing %d disks on %d datastores to the service...%n", disks, datastores);
        err.flush();
        SplittableRandom random = new SplittableRandom(seed);
        try (EventProducer inventory = EventProducer.batching(kafka, "inventory-service")) {
            InventoryEvents described = new InventoryEvents(inventory);
            described.profile(PROFILE, 0.10, 0.20, 50);
            for (int d = 0; d < datastores; d++) {
                long onIt = (disks / datastores + (d < disks % datastores ? 1 : 0)) * DESIGNATED_BYTES;
                described.datastore(datastoreId(d), (long) (0.6 * onIt), Path.of("/datastores", datastoreId(d)));
            }
            inventory.flush();
            // Disks name their datastore: it must be known first (the inventory topic keeps order per key only).
            ServiceApi.await(
                    SETTLE_BOUND,
                    () -> IntStream.range(0, datastores).allMatch(d -> viewer.get("datastores/" + datastoreId(d))
                            .isPresent()),
                    "the service to know all " + datastores + " datastores");
            for (int i = 0; i < disks; i++) {
                String disk = diskId(i);
                String vm = "bench-vm-" + i;
                String datastore = datastoreId(i % datastores);
                described.vm(vm, "host-" + i % 16, PROFILE);
                described.rawDisk(
                        disk,
                        vm,
                        datastore,
                        Path.of("/datastores", datastore, disk + ".img"),
                        DESIGNATED_BYTES,
                        serial(disk));
                peers.guest(serial(disk), vm, DESIGNATED_BYTES, (long)
                        (DESIGNATED_BYTES * (0.15 + 0.15 * random.nextDouble())));
            }
            inventory.flush();
        }
        ServiceApi.await(SETTLE_BOUND, () -> diskCount() == disks, "the service to know all " + disks + " disks");
        reportAll(peers);
        err.println("waiting for every ballast to be inflated and reclaimed...");
        err.flush();
        ServiceApi.await(SETTLE_BOUND, this::everyBallastSettled, "every disk's ballast to be inflated and reclaimed");
        reportAll(peers);
    }

    private void reportAll(SimulatedPeers peers) {
        for (int i = 0; i < disks; i++) {
            peers.report(serial(diskId(i)));
        }
        peers.flush();
    }

    private int diskCount() {
        int known = 0;
        for (int d = 0; d < datastores; d++) {
            known += viewer.get("datastores/" + datastoreId(d) + "/disks")
                    .map(list -> list.get("disks").size())
                    .orElse(0);
        }
        return known;
    }

    /** Every disk steady (nothing in flight or being reclaimed) with a ballast applied: budgets below designated. */
    private boolean everyBallastSettled() {
        for (int d = 0; d < datastores; d++) {
            Optional<JsonNode> list = viewer.get("datastores/" + datastoreId(d) + "/disks");
            if (list.isEmpty()) {
                return false;
            }
            for (JsonNode disk : list.get().get("disks")) {
                JsonNode ballasts = disk.get("ballasts");
                if (!disk.get("state").asText().equals("STEADY")
                        || ballasts.isEmpty()
                        || ballasts.get(0).get("appliedBytes").asLong() == 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The growths, one after the other, round-robin over the disks; the first {@code warmup} are not counted. */
    private Figures grow(SimulatedPeers peers) throws InterruptedException {
        err.printf(
                Locale.ROOT,
                "%d growth requests of %d MiB, one after the other (%d not counted)...%n",
                warmup + growths,
                GROWTH_BYTES >> 20,
                warmup);
        err.flush();
        List<Long> granted = new ArrayList<>();
        List<Long> grantedSentAt = new ArrayList<>();
        List<String> grantedDisks = new ArrayList<>();
        int pending = 0;
        int refused = 0;
        ServiceCores.Meter meter = null;
        for (int i = 0; i < warmup + growths; i++) {
            if (i == warmup) {
                meter = ServiceCores.start(service, infrastructure, postgres);
            }
            String disk = diskId(i % disks);
            String body = "{\"growthId\":\"bench-growth-" + i + "\",\"additionalBytes\":" + GROWTH_BYTES + "}";
            HttpRequest request = orchestrator.postRequest("disks/" + disk + "/growth", body);
            long sent = System.nanoTime();
            HttpResponse<String> response = orchestrator.send(request);
            long took = System.nanoTime() - sent;
            int status = response.statusCode();
            if (status != 200 && status != 202 && status != 409) {
                throw new IllegalStateException(
                        "growth " + i + " of disk " + disk + " answered " + status + ": " + response.body());
            }
            if (i < warmup) {
                continue;
            }
            switch (status) {
                case 200 -> {
                    granted.add(took);
                    grantedSentAt.add(sent);
                    grantedDisks.add(disk);
                }
                case 202 -> pending++;
                default -> refused++;
            }
        }
        ServiceCores cores = meter.stop();

        // Each granted growth's deflate, as it reached the disk's agent: the first command after the request.
        long[] toCommand = new long[granted.size()];
        long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int seen = 0;
        for (int g = 0; g < granted.size(); g++) {
            long sent = grantedSentAt.get(g);
            String disk = grantedDisks.get(g);
            long arrived = -1;
            while (arrived < 0 && System.nanoTime() < waitUntil) {
                arrived = peers.commands(serial(disk)).stream()
                        .mapToLong(SimulatedPeers.Arrival::nanoTime)
                        .filter(at -> at > sent)
                        .findFirst()
                        .orElse(-1);
                if (arrived < 0) {
                    Thread.sleep(20);
                }
            }
            if (arrived >= 0) {
                toCommand[seen++] = arrived - sent;
            }
        }
        long[] outbox = Stats.sorted(granted.stream().mapToLong(Long::longValue).toArray());
        long[] command = Stats.sorted(Arrays.copyOf(toCommand, seen));
        return new Figures(
                disks,
                datastores,
                warmup,
                growths,
                granted.size(),
                pending,
                refused,
                Stats.millis(Stats.percentile(outbox, 0.50)),
                Stats.millis(Stats.percentile(outbox, 0.99)),
                Stats.millis(Stats.percentile(outbox, 1.0)),
                seen,
                Stats.millis(Stats.percentile(command, 0.50)),
                Stats.millis(Stats.percentile(command, 0.99)),
                Stats.millis(Stats.percentile(command, 1.0)),
                cores);
    }
}
