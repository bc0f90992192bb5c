package io.ballast.bench.reservation;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.bench.BenchStack;
import io.ballast.bench.MachineCpu;
import io.ballast.bench.Stats;
import io.ballast.local.Checkout;
import io.ballast.local.LocalStack;
import io.ballast.local.launch.Launcher;
import io.ballast.local.token.TokenKeys;
import io.ballast.local.token.TokenMinter;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.InventoryEvents;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

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

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What the service did with the growths.
     *
     * @param granted answered 200: the deflate was sent (its command is in the outbox)
     * @param pending answered 202: other disks' space is taken back first
     * @param refused answered 409
     * @param growthToOutboxP99Ms the granted growths' round trips, request sent to answer read
     * @param commandsSeen granted growths whose deflate command reached the disk's simulated agent
     * @param growthToCommandP99Ms request sent to the command's arrival at the agent, for those
     * @param serviceCores the service's JVM's CPU time over the measured growths' wall time
     * @param kafkaCores the infrastructure's JVM's meanwhile: the Kafka broker
     * @param postgresCores the PostgreSQL server's meanwhile (it and its backends); absent when it is not one of this
     *     machine's processes
     * @param benchCores this JVM's meanwhile (the orchestrator, the simulated agents and worker)
     * @param machineBusyCores the whole machine's meanwhile, from {@code /proc/stat}; absent where there is none
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
            double serviceCores,
            double kafkaCores,
            OptionalDouble postgresCores,
            double benchCores,
            OptionalDouble machineBusyCores) {

        /** The figures as a few lines for people; {@code cpus}: the machine's. */
        String text(int cpus) {
            return String.format(
                    Locale.ROOT,
                    """
                    reservation-service on PostgreSQL, %d disks on %d datastores, %,d growths over REST one after \
                    the other (after %,d not counted):
                      %,d granted, %,d pending, %,d refused
                      granted, request to answer (outbox row committed): p50 %.1f ms, p99 %.1f ms, max %.1f ms
                      granted, request to the deflate at the agent (%,d seen): p50 %.1f ms, p99 %.1f ms, max %.1f ms
                      cores busy meanwhile: the service %.2f, PostgreSQL %s, Kafka %.2f, this JVM %.2f; the machine \
                    %s (others %s) of %d""",
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
                    serviceCores,
                    CpuShare.cores(postgresCores),
                    kafkaCores,
                    benchCores,
                    CpuShare.cores(machineBusyCores),
                    CpuShare.cores(othersCores()),
                    cpus);
        }

        /** What the rest of the machine used meanwhile. */
        @JsonProperty
        public OptionalDouble othersCores() {
            return machineBusyCores.isPresent() && postgresCores.isPresent()
                    ? OptionalDouble.of(Math.max(
                            0,
                            machineBusyCores.getAsDouble()
                                    - serviceCores
                                    - kafkaCores
                                    - postgresCores.getAsDouble()
                                    - benchCores))
                    : OptionalDouble.empty();
        }
    }

    private final int disks;
    private final int datastores;
    private final int warmup;
    private final int growths;
    private final long seed;
    private final PrintWriter err;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private URI base;
    private long service;
    private long infrastructure;
    private Optional<ProcessHandle> postgres = Optional.empty();
    private String viewer;
    private String orchestrator;

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
            postgres = postgresServer(infra.environment());
            TokenKeys keys = TokenKeys.generate();
            Path publicKey = stack.runDirectory().resolve(TokenKeys.PUBLIC_KEY_FILE);
            keys.writePublicKey(publicKey);
            TokenMinter minter = new TokenMinter(keys.privateKey(), Clock.systemUTC());
            viewer = minter.mint("reservation-bench", Roles.VIEWER, Duration.ofHours(12));
            orchestrator = minter.mint("reservation-bench", Roles.ORCHESTRATOR, Duration.ofHours(12));

            int port = Launcher.freePort();
            Map<String, String> environment = new HashMap<>(infra.environment());
            environment.put(LocalStack.PUBLIC_KEY_VARIABLE, publicKey.toString());
            environment.put("QUARKUS_HTTP_PORT", Integer.toString(port));
            service = stack.startService("reservation-service", Checkout.SERVICE_JVM_OPTIONS, environment, port)
                    .pid();
            base = URI.create("http://localhost:" + port + "/api/v1/");

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
            awaitUntil(
                    () -> IntStream.range(0, datastores).allMatch(d -> get("datastores/" + datastoreId(d)) != null),
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
        awaitUntil(() -> diskCount() == disks, "the service to know all " + disks + " disks");
        reportAll(peers);
        err.println("waiting for every ballast to be inflated and reclaimed...");
        err.flush();
        awaitUntil(this::everyBallastSettled, "every disk's ballast to be inflated and reclaimed");
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
            JsonNode list = get("datastores/" + datastoreId(d) + "/disks");
            known += list == null ? 0 : list.get("disks").size();
        }
        return known;
    }

    /** Every disk steady (nothing in flight or being reclaimed) with a ballast applied: budgets below designated. */
    private boolean everyBallastSettled() {
        for (int d = 0; d < datastores; d++) {
            JsonNode list = get("datastores/" + datastoreId(d) + "/disks");
            if (list == null) {
                return false;
            }
            for (JsonNode disk : list.get("disks")) {
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
        long measuredFrom = 0;
        long serviceCpuFrom = 0;
        long infrastructureCpuFrom = 0;
        long postgresCpuFrom = 0;
        long benchCpuFrom = 0;
        Optional<MachineCpu> machineFrom = Optional.empty();
        for (int i = 0; i < warmup + growths; i++) {
            if (i == warmup) {
                measuredFrom = System.nanoTime();
                serviceCpuFrom = cpuNanos(service);
                infrastructureCpuFrom = cpuNanos(infrastructure);
                postgresCpuFrom = postgres.map(ServiceGrowths::cpuNanos).orElse(0L);
                benchCpuFrom = CpuShare.processCpuNanos();
                machineFrom = MachineCpu.read();
            }
            String disk = diskId(i % disks);
            String body = "{\"growthId\":\"bench-growth-" + i + "\",\"additionalBytes\":" + GROWTH_BYTES + "}";
            HttpRequest request = HttpRequest.newBuilder(base.resolve("disks/" + disk + "/growth"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + orchestrator)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build();
            long sent = System.nanoTime();
            HttpResponse<String> response = send(request);
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

        double measuredNanos = System.nanoTime() - measuredFrom;
        double serviceCores = (cpuNanos(service) - serviceCpuFrom) / measuredNanos;
        double kafkaCores = (cpuNanos(infrastructure) - infrastructureCpuFrom) / measuredNanos;
        OptionalDouble postgresCores = postgres.isPresent()
                ? OptionalDouble.of((cpuNanos(postgres.get()) - postgresCpuFrom) / measuredNanos)
                : OptionalDouble.empty();
        double benchCores = (CpuShare.processCpuNanos() - benchCpuFrom) / measuredNanos;
        Optional<MachineCpu> machineTo = MachineCpu.read();
        OptionalDouble machineBusy = machineFrom.isPresent() && machineTo.isPresent()
                ? machineTo.get().busyCoresSince(machineFrom.get())
                : OptionalDouble.empty();

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
                serviceCores,
                kafkaCores,
                postgresCores,
                benchCores,
                machineBusy);
    }

    /**
     * The CPU time so far (user and system) of a process and of every process it started that still runs (the
     * database server's backends), in nanoseconds; what the kernel no longer says counts as none.
     */
    private static long cpuNanos(long pid) {
        return ProcessHandle.of(pid).map(ServiceGrowths::cpuNanos).orElse(0L);
    }

    private static long cpuNanos(ProcessHandle process) {
        return Stream.concat(Stream.of(process), process.descendants())
                .mapToLong(each ->
                        each.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
    }

    /**
     * The PostgreSQL server {@code BALLAST_DB_URL} names, when it runs on this machine: the {@code postgres} process
     * listening on its port ({@code -p PORT}). The embedded server detaches from the JVM that starts it, so it is not
     * among that JVM's descendants.
     */
    private static Optional<ProcessHandle> postgresServer(Map<String, String> environment) {
        String url = environment.getOrDefault("BALLAST_DB_URL", System.getenv().getOrDefault("BALLAST_DB_URL", ""));
        Matcher port = Pattern.compile("^jdbc:postgresql://(localhost|127\\.0\\.0\\.1):(\\d+)/")
                .matcher(url);
        if (!port.find()) {
            return Optional.empty();
        }
        String listening = "-p " + port.group(2);
        return ProcessHandle.allProcesses()
                .filter(process -> process.info()
                        .commandLine()
                        .filter(line -> line.contains("/bin/postgres ") && line.contains(listening + " "))
                        .isPresent())
                .findFirst();
    }

    /** A viewer's GET of {@code path} under {@code /api/v1}; null when it is not there (404). */
    private JsonNode get(String path) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + viewer)
                .GET()
                .build());
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " answered no JSON: " + response.body(), e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(request.method() + " " + request.uri() + " was interrupted", e);
        }
    }

    /** Checks {@code condition} every 250 ms until it holds; fails naming {@code what} after {@link #SETTLE_BOUND}. */
    private static void awaitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE_BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "waited " + SETTLE_BOUND.toSeconds() + " s for " + what + "; the service's log says why");
            }
            Thread.sleep(250);
        }
    }
}
