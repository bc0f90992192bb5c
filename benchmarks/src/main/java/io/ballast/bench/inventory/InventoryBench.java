package io.ballast.bench.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.bench.BenchStack;
import io.ballast.bench.Benchmark;
import io.ballast.bench.GuestUsage;
import io.ballast.bench.LoadTimes;
import io.ballast.bench.Machine;
import io.ballast.bench.PacedWrk;
import io.ballast.bench.Report;
import io.ballast.bench.Rounds;
import io.ballast.bench.ServiceApi;
import io.ballast.bench.ServiceCores;
import io.ballast.bench.Stats;
import io.ballast.local.Checkout;
import io.ballast.local.fleet.FleetLayout;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Topic;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.PrometheusText;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench inventory}: the packaged inventory-service on its own PostgreSQL and Kafka ({@link
 * BenchStack}) with a fleet it discovers through libvirt's test driver ({@link FleetLayout}: 10,000 VMs on 20 hosts by
 * default, {@value #VMS_PER_DATASTORE} VMs of 40 GiB on a datastore, one in ten shut off, added one after the other over REST as an operator adds hosts) and usage its guests report on {@code
 * ballast.guest.telemetry.v1}, then read by {@code wrk} at a fixed rate ({@link PacedWrk}): the VM list ({@code GET
 * /api/v1/vms}) and the VM report ({@code GET /api/v1/reports/vms}, each disk joined with its guest's usage and its
 * layout), a page at a time through the whole fleet, as a viewer. There is no other program to compare with: the
 * reference is the goal, p99 under 50 ms at 500 requests a second for each.
 */
@Command(
        name = "inventory",
        description = "The inventory service's VM list and VM report at a fixed rate (wrk), on a fleet it discovered"
                + " through libvirt's test driver, with its guests' usage.")
public final class InventoryBench extends Benchmark {

    static final int VMS_PER_DATASTORE = 100;
    static final FleetLayout.Shape SHAPE = new FleetLayout.Shape(VMS_PER_DATASTORE, 40 * HostFile.GIB, 10);

    static final double GOAL_P99_MS = 50;
    static final double GOAL_RATE = 500;
    static final int GOAL_VMS = 10_000;
    /** The share of the asked rate a run must reach for its latencies to count against the goal. */
    static final double RATE_HELD = 0.98;

    /** How long the fleet may take to be recorded and announced, and its usage to be taken in. */
    static final Duration SETTLE_BOUND = Duration.ofMinutes(10);

    /** The subject of the bench's tokens. */
    static final String SUBJECT = "inventory-bench";

    /** Every host is looked at again this often: longer than a run, so no periodic look lands among the reads. */
    static final String DISCOVERY_INTERVAL = "6h";

    @Mixin
    Rounds rounds = new Rounds(3, 100);

    @Option(
            names = "--vms",
            paramLabel = "N",
            defaultValue = "10000",
            description = "VMs in the fleet, one disk each (default: ${DEFAULT-VALUE}).")
    int vms;

    @Option(
            names = "--hosts",
            paramLabel = "N",
            defaultValue = "20",
            description =
                    "Hosts (libvirt test driver files) the VMs are spread over, evenly (default: ${DEFAULT-VALUE}).")
    int hosts;

    @Option(
            names = "--rate",
            paramLabel = "PER_SECOND",
            defaultValue = "500",
            description = "Requests a second to each endpoint (default: ${DEFAULT-VALUE}).")
    double rate;

    @Mixin
    LoadTimes times = new LoadTimes(Duration.ofSeconds(30), Duration.ofSeconds(60));

    @Option(
            names = "--connections",
            paramLabel = "N",
            defaultValue = "50",
            description = "Requests that may be out at once (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "1",
            description = "wrk's threads, each sending its share of the rate (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--page-size",
            paramLabel = "N",
            defaultValue = "100",
            description = "VMs or report rows a request asks for, the endpoints' default (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "1",
            description = "Seed of the fleet's sizes and usage (default: ${DEFAULT-VALUE}).")
    long seed;

    /**
     * The figures of one run; times in milliseconds unless named otherwise.
     *
     * @param discoverySeconds the hosts added one after the other ({@code POST /api/v1/hosts}, which looks at the host
     *     and records what it shows before it answers), from the first request to the last answer
     * @param hostAddP50Ms one host's add: its look, its recording and the events it announces, written to the outbox
     * @param announcedSeconds from the first add until the outbox was empty: every host, datastore, VM and disk
     *     announced on {@code ballast.inventory.v1}
     * @param lookAgainSeconds every host looked at again ({@code POST /api/v1/discovery/refresh}) with nothing changed:
     *     what the periodic discovery costs on this fleet
     * @param usageReports the running VMs' reports (a shut-off guest has no agent to report)
     * @param usageSeconds from the first report published to every one of them in the VM report
     * @param endpoints each endpoint's load, in the order they were measured
     */
    public record Figures(
            Machine machine,
            int vms,
            int hosts,
            int datastores,
            double discoverySeconds,
            double hostAddP50Ms,
            double hostAddMaxMs,
            double announcedSeconds,
            double lookAgainSeconds,
            int usageReports,
            double usageSeconds,
            double rate,
            int connections,
            int threads,
            int pageSize,
            double durationSeconds,
            double warmupSeconds,
            int runs,
            double goalP99Ms,
            double goalRate,
            List<Endpoint> endpoints)
            implements Report {

        @Override
        public String text() {
            StringBuilder text = new StringBuilder(String.format(
                    Locale.ROOT,
                    """
                    inventory-service on PostgreSQL, %,d VMs (one disk each) on %d hosts and %d datastores of libvirt's \
                    test driver:
                      discovery: %d hosts added one after the other in %.1f s (a host p50 %.0f ms, max %.0f ms); \
                    every event announced after %.1f s
                      every host looked at again, nothing changed: %.1f s
                      guests' usage: %,d reports taken into the VM report in %.1f s
                    wrk at %.0f requests a second (%d connections, %d thread%s), %d round%s of %.0f s after %.0f s of \
                    warm-up, pages of %d in turn; medians over the rounds:""",
                    vms,
                    hosts,
                    datastores,
                    hosts,
                    discoverySeconds,
                    hostAddP50Ms,
                    hostAddMaxMs,
                    announcedSeconds,
                    lookAgainSeconds,
                    usageReports,
                    usageSeconds,
                    rate,
                    connections,
                    threads,
                    threads == 1 ? "" : "s",
                    runs,
                    runs == 1 ? "" : "s",
                    durationSeconds,
                    warmupSeconds,
                    pageSize));
            for (Endpoint endpoint : endpoints) {
                text.append(System.lineSeparator()).append(endpoint.text());
            }
            for (Endpoint endpoint : endpoints) {
                text.append(System.lineSeparator())
                        .append(String.format(
                                Locale.ROOT,
                                "goal p99 under %.0f ms at %.0f requests a second, %s: %s",
                                goalP99Ms,
                                goalRate,
                                endpoint.name(),
                                endpoint.goalMet()
                                        .map(met -> met ? "PASS" : "FAIL")
                                        .orElse("not judged (a smaller fleet or a lower rate than the goal's)")));
            }
            return text.toString();
        }
    }

    /**
     * One endpoint under load: medians over the rounds, and each round.
     *
     * @param example the first page's request; the others add {@code after}
     * @param pages the pages the requests walk through in turn
     * @param errors failed requests of every round: socket errors, statuses of 400 or more, timeouts
     * @param lateSends requests of every round that left late, every connection having been busy at their slot
     * @param rateHeld whether the median rate reached 98 % of the asked one; when not, the service
     *     answered slower than requests came due, and the latencies leave out each late request's wait to be sent
     * @param goalMet p99 under the goal with the rate held and no errors; absent below the goal's fleet or rate
     */
    public record Endpoint(
            String name,
            String example,
            int pages,
            double rateMedian,
            double p50Ms,
            double p90Ms,
            double p99Ms,
            double maxMs,
            long errors,
            long lateSends,
            boolean rateHeld,
            Optional<Boolean> goalMet,
            List<Round> rounds) {

        String text() {
            return String.format(
                    Locale.ROOT,
                    "  %s (%s, %d pages):%n"
                            + "    %.1f requests a second, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; %d errors,"
                            + " %d late sends%s%n"
                            + "    p99 of each round: %s ms%n"
                            + "    in the service (its own timer), mean of each round: %s ms; its collections paused it"
                            + " %s ms a round%n"
                            + "    cores busy in the last round: %s",
                    name,
                    example,
                    pages,
                    rateMedian,
                    p50Ms,
                    p90Ms,
                    p99Ms,
                    maxMs,
                    errors,
                    lateSends,
                    rateHeld ? "" : "; the rate was NOT held: the latencies leave out the late requests' wait",
                    rounds.stream()
                            .map(round -> String.format(
                                    Locale.ROOT, "%.1f", round.load().p99Ms()))
                            .toList(),
                    rounds.stream()
                            .map(round -> String.format(
                                    Locale.ROOT, "%.1f", round.service().meanMs()))
                            .toList(),
                    rounds.stream()
                            .map(round -> String.format(
                                    Locale.ROOT, "%.0f", round.service().gcPausedMs()))
                            .toList(),
                    rounds.getLast().cores().describe("the service", "wrk"));
        }
    }

    /**
     * One round of an endpoint: what wrk measured, what the service's own metrics say of it, and who kept the cores
     * busy meanwhile.
     */
    public record Round(PacedWrk.Run load, ServiceSide service, ServiceCores cores) {

        /** One line of progress. */
        String describe() {
            return String.format(
                    Locale.ROOT,
                    "%.1f/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d errors, %d late; in the service %.1f ms mean,"
                            + " %d collections pausing it %.0f ms; cores: %s",
                    load.rate(),
                    load.p50Ms(),
                    load.p99Ms(),
                    load.maxMs(),
                    load.errors(),
                    load.lateSends(),
                    service.meanMs(),
                    service.gcPauses(),
                    service.gcPausedMs(),
                    cores.describe("the service", "wrk"));
        }
    }

    /**
     * The round as the service's metrics ({@code /q/metrics}) saw it: its own timer of the endpoint's requests (from
     * the request read to the answer written, so without the network and the queue before a worker thread takes it)
     * and its collector's pauses, which stop every request in flight.
     *
     * @param requests requests the service answered, as its timer counted them
     * @param meanMs their mean time in the service
     * @param gcPauses the collections that paused the service
     * @param gcPausedMs their pauses together
     */
    public record ServiceSide(long requests, double meanMs, long gcPauses, double gcPausedMs) {

        private static final String REQUESTS = "http_server_requests_seconds";
        private static final String PAUSES = "jvm_gc_pause_seconds";

        /** What the service's metrics say between {@code before} and {@code after} of requests to {@code uri}. */
        static ServiceSide between(PrometheusText before, PrometheusText after, String uri) {
            Map<String, String> endpoint = Map.of("uri", uri);
            double requests = delta(before, after, REQUESTS + "_count", endpoint);
            double seconds = delta(before, after, REQUESTS + "_sum", endpoint);
            return new ServiceSide(
                    Math.round(requests),
                    requests > 0 ? seconds * 1000 / requests : 0,
                    Math.round(delta(before, after, PAUSES + "_count", Map.of())),
                    delta(before, after, PAUSES + "_sum", Map.of()) * 1000);
        }

        private static double delta(
                PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
            return after.sum(name, labels).orElse(0) - before.sum(name, labels).orElse(0);
        }
    }

    @Override
    protected Report measure() throws Exception {
        int runs = rounds.count();
        requireOptions();
        Duration duration = times.duration();
        Duration warmup = times.warmup();
        PrintWriter err = progress();
        Checkout checkout = Checkout.containing(InventoryBench.class);
        try (BenchStack stack = BenchStack.open(checkout, err)) {
            PacedWrk wrk = new PacedWrk(stack.runDirectory());
            List<FleetLayout.Host> fleet =
                    FleetLayout.plan(stack.runDirectory().resolve("fleet"), new FleetLayout.Size(hosts, vms), SHAPE);
            fleet.forEach(host -> FleetLayout.write(host, this::backedBytes));
            int datastores =
                    fleet.stream().mapToInt(host -> host.datastores().size()).sum();

            BenchStack.Infrastructure infra = stack.startInfrastructure(true);
            Optional<ProcessHandle> postgres = ServiceCores.postgresServer(infra.environment());
            BenchStack.Service inventory = stack.startService(
                    "inventory-service", infra, Map.of("BALLAST_INVENTORY_DISCOVERY_INTERVAL", DISCOVERY_INTERVAL));
            ServiceApi operator = inventory.as(SUBJECT, Roles.OPERATOR);
            ServiceApi viewer = inventory.as(SUBJECT, Roles.VIEWER);

            Discovery discovery = discover(operator, fleet, err);
            Usage usage = reportUsage(infra.kafkaBootstrap(), viewer, fleet, err);
            List<Target> targets = List.of(
                    target("GET /api/v1/vms", viewer, "vms", "vms"),
                    target("GET /api/v1/reports/vms", viewer, "reports/vms", "rows"));

            URI server = URI.create("http://127.0.0.1:" + inventory.api().getPort());
            List<String> headers = List.of("Authorization: Bearer " + viewer.token());
            List<PacedWrk.Load> loads = targets.stream()
                    .map(target -> new PacedWrk.Load(server, target.paths(), headers, rate, connections, threads))
                    .toList();
            if (!warmup.isZero()) {
                for (int t = 0; t < targets.size(); t++) {
                    err.printf(
                            Locale.ROOT,
                            "warm-up: %s for %d s...%n",
                            targets.get(t).name(),
                            warmup.toSeconds());
                    err.flush();
                    wrk.run(loads.get(t), warmup, targets.get(t).file());
                }
            }
            List<List<Round>> measured = new ArrayList<>();
            targets.forEach(target -> measured.add(new ArrayList<>()));
            for (int round = 1; round <= runs; round++) {
                for (int t = 0; t < targets.size(); t++) {
                    Target target = targets.get(t);
                    PrometheusText before = viewer.metrics();
                    ServiceCores.Meter meter = ServiceCores.start(inventory.pid(), infra.pid(), postgres);
                    PacedWrk.Run load = wrk.run(loads.get(t), duration, target.file());
                    ServiceCores cores = meter.stop();
                    ServiceSide side = ServiceSide.between(before, viewer.metrics(), target.uri());
                    measured.get(t).add(new Round(load, side, cores));
                    err.println("round " + round + ", " + target.name() + ": "
                            + measured.get(t).getLast().describe());
                    err.flush();
                }
            }
            List<Endpoint> endpoints = new ArrayList<>();
            for (int t = 0; t < targets.size(); t++) {
                endpoints.add(endpoint(targets.get(t), measured.get(t)));
            }
            stack.succeeded();
            return new Figures(
                    Machine.here(),
                    vms,
                    hosts,
                    datastores,
                    discovery.seconds(),
                    discovery.hostAddP50Ms(),
                    discovery.hostAddMaxMs(),
                    discovery.announcedSeconds(),
                    discovery.lookAgainSeconds(),
                    usage.reports(),
                    usage.seconds(),
                    rate,
                    connections,
                    threads,
                    pageSize,
                    duration.toMillis() / 1000.0,
                    warmup.toMillis() / 1000.0,
                    runs,
                    GOAL_P99_MS,
                    GOAL_RATE,
                    endpoints);
        }
    }

    private void requireOptions() {
        Duration duration = times.duration();
        Duration warmup = times.warmup();
        if (vms < 1 || vms > 100_000) {
            throw new IllegalArgumentException("--vms must be 1 to 100000, not " + vms);
        }
        if (hosts < 1 || hosts > Math.min(vms, 1000)) {
            throw new IllegalArgumentException(
                    "--hosts must be 1 to " + Math.min(vms, 1000) + " (at most --vms), not " + hosts);
        }
        if (!(rate >= 1 && rate <= 100_000)) {
            throw new IllegalArgumentException("--rate must be 1 to 100000, not " + rate);
        }
        if (duration.toSeconds() < 1 || duration.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("--duration must be 1s to 1h, not " + duration);
        }
        if (warmup.isNegative()
                || warmup.compareTo(Duration.ofHours(1)) > 0
                || warmup.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("--warmup must be whole seconds from 0s to 1h, not " + warmup);
        }
        if (duration.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("--duration must be whole seconds, not " + duration);
        }
        if (threads < 1 || threads > 64) {
            throw new IllegalArgumentException("--threads must be 1 to 64, not " + threads);
        }
        if (connections < threads || connections > 10_000) {
            throw new IllegalArgumentException(
                    "--connections must be at least --threads (" + threads + ") and at most 10000, not " + connections);
        }
        if (pageSize < 1 || pageSize > 1000) {
            throw new IllegalArgumentException("--page-size must be 1 to 1000, not " + pageSize);
        }
    }

    /** How the fleet was discovered. */
    private record Discovery(
            double seconds,
            double hostAddP50Ms,
            double hostAddMaxMs,
            double announcedSeconds,
            double lookAgainSeconds) {}

    /**
     * Adds the hosts one after the other as an operator does ({@code POST /api/v1/hosts} looks at the host and records
     * it before answering), checks that every VM and disk is known, waits until the outbox has announced them all,
     * then has every host looked at again.
     */
    private Discovery discover(ServiceApi operator, List<FleetLayout.Host> fleet, PrintWriter err)
            throws InterruptedException {
        err.printf(Locale.ROOT, "adding %d hosts with %,d VMs, one after the other...%n", fleet.size(), vms);
        err.flush();
        List<Double> addMs = new ArrayList<>();
        long start = System.nanoTime();
        for (FleetLayout.Host host : fleet) {
            long sent = System.nanoTime();
            JsonNode added = operator.post("hosts", "{\"uri\":\"" + host.uri() + "\"}", SETTLE_BOUND);
            addMs.add(Stats.millis(System.nanoTime() - sent));
            if (!added.hasNonNull("id")) {
                throw new IllegalStateException("adding " + host.uri() + " answered no host: " + added);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT, "added in %.1f s; waiting for every event to be announced...%n", seconds);
        err.flush();

        PrometheusText metrics = operator.metrics();
        double knownVms = metrics.valueOrZero("ballast_inventory_vms", Map.of());
        double knownDisks = metrics.valueOrZero("ballast_inventory_disks", Map.of());
        if (knownVms != vms || knownDisks != vms) {
            throw new IllegalStateException(
                    "inventory knows " + knownVms + " VMs and " + knownDisks + " disks of the fleet's " + vms);
        }
        ServiceApi.await(
                SETTLE_BOUND,
                () -> operator.metrics().valueOrZero("ballast_outbox_pending", Map.of()) == 0,
                "the outbox to announce every host, datastore, VM and disk");
        double announced = (System.nanoTime() - start) / 1e9;

        err.printf(Locale.ROOT, "announced after %.1f s; looking at every host again...%n", announced);
        err.flush();
        long again = System.nanoTime();
        JsonNode looks = operator.post("discovery/refresh", "", SETTLE_BOUND);
        double lookAgain = (System.nanoTime() - again) / 1e9;
        for (JsonNode look : looks.get("looks")) {
            if (!look.get("outcome").asText().equals("RECORDED")
                    || look.get("changed").asInt() != 0) {
                throw new IllegalStateException("a look again at an unchanged host answered " + look);
            }
        }
        double[] sorted =
                addMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Discovery(seconds, Stats.median(addMs), sorted[sorted.length - 1], announced, lookAgain);
    }

    /**
     * What a VM's image holds, drawn from the seed: 0.5 to 0.9 GiB, so a datastore's {@value #VMS_PER_DATASTORE}
     * images stay within the 100 GiB the test driver shows as its capacity (a pool whose volumes held more would show
     * negative free space): 70 GiB of a datastore on average, thinly provisioned under 4,000 GiB of disks.
     */
    private long backedBytes(FleetLayout.Vm vm) {
        return HostFile.GIB / 2 + new SplittableRandom(seed + vm.index()).nextLong(2 * HostFile.GIB / 5);
    }

    /** How the guests' usage was taken in. */
    private record Usage(int reports, double seconds) {}

    /**
     * Each running VM's guest reports its root filesystem on its disk (matched by serial) once; returns when the VM
     * report shows every one of them.
     */
    private Usage reportUsage(String kafka, ServiceApi viewer, List<FleetLayout.Host> fleet, PrintWriter err)
            throws InterruptedException {
        SplittableRandom random = new SplittableRandom(seed);
        List<FleetLayout.Vm> running = fleet.stream()
                .flatMap(host -> host.vms().stream())
                .filter(FleetLayout.Vm::running)
                .toList();
        err.printf(Locale.ROOT, "%,d guests report their usage...%n", running.size());
        err.flush();
        long start = System.nanoTime();
        try (EventProducer agents = EventProducer.batching(kafka, "guest-gateway")) {
            for (FleetLayout.Vm vm : running) {
                long totalBytes = vm.designatedBytes() - HostFile.GIB;
                long usedBytes = (long) (totalBytes * (0.15 + 0.45 * random.nextDouble()));
                long ballastBytes = Math.min(totalBytes - usedBytes, 4 * HostFile.GIB);
                agents.publishAsync(
                        Topic.GUEST_TELEMETRY,
                        vm.id(),
                        GuestUsage.root(vm.id(), vm.serial(), totalBytes, usedBytes, ballastBytes));
            }
            agents.flush();
        }
        ServiceApi.await(
                SETTLE_BOUND,
                () -> rowsWithUsage(viewer) == running.size(),
                "the VM report to show the usage of " + running.size() + " guests");
        return new Usage(running.size(), (System.nanoTime() - start) / 1e9);
    }

    /** The VM report's rows that have their guest's usage, read in the largest pages. */
    private static int rowsWithUsage(ServiceApi viewer) {
        int withUsage = 0;
        for (JsonNode page : walk(viewer, "reports/vms", 1000)) {
            for (JsonNode row : page.get("rows")) {
                if (row.hasNonNull("totalBytes")) {
                    withUsage++;
                }
            }
        }
        return withUsage;
    }

    /**
     * An endpoint and the pages the load walks through; {@code uri} is the endpoint as the service's request timer
     * names it, {@code file} wrk's list of the pages.
     */
    private record Target(String name, String uri, String file, List<String> paths) {}

    /**
     * The requests of every page of {@code path}'s list ({@code items} in each answer), first to last: the requests
     * an operator paging through the fleet sends. Fails unless they hold every VM's disk once.
     */
    private Target target(String name, ServiceApi viewer, String path, String items) {
        List<String> requests = new ArrayList<>();
        String api = viewer.base().getPath();
        String first = api + path + "?limit=" + pageSize;
        requests.add(first);
        int seen = 0;
        for (JsonNode page : walk(viewer, path, pageSize)) {
            seen += page.get(items).size();
            if (page.hasNonNull("next")) {
                requests.add(
                        first + "&after=" + URLEncoder.encode(page.get("next").asText(), StandardCharsets.UTF_8));
            }
        }
        if (seen != vms) {
            throw new IllegalStateException(name + " listed " + seen + " entries of " + vms + " VMs");
        }
        return new Target(name, api + path, path.replace('/', '-'), requests);
    }

    /** Every page of {@code path}'s list, {@code limit} a page. */
    private static List<JsonNode> walk(ServiceApi viewer, String path, int limit) {
        List<JsonNode> pages = new ArrayList<>();
        Optional<String> after = Optional.empty();
        do {
            String request = path + "?limit=" + limit
                    + after.map(id -> "&after=" + URLEncoder.encode(id, StandardCharsets.UTF_8))
                            .orElse("");
            JsonNode page = viewer.get(request)
                    .orElseThrow(() -> new IllegalStateException("GET " + request + " answered 404"));
            pages.add(page);
            after = page.hasNonNull("next") ? Optional.of(page.get("next").asText()) : Optional.empty();
        } while (after.isPresent());
        return pages;
    }

    private Endpoint endpoint(Target target, List<Round> measured) {
        List<PacedWrk.Run> loads = measured.stream().map(Round::load).toList();
        double rateMedian = median(loads, PacedWrk.Run::rate);
        double p99 = median(loads, PacedWrk.Run::p99Ms);
        long errors = loads.stream().mapToLong(PacedWrk.Run::errors).sum();
        boolean rateHeld = rateMedian >= RATE_HELD * rate;
        boolean judged = vms >= GOAL_VMS && rate >= GOAL_RATE;
        return new Endpoint(
                target.name(),
                target.paths().getFirst(),
                target.paths().size(),
                rateMedian,
                median(loads, PacedWrk.Run::p50Ms),
                median(loads, PacedWrk.Run::p90Ms),
                p99,
                median(loads, PacedWrk.Run::maxMs),
                errors,
                loads.stream().mapToLong(PacedWrk.Run::lateSends).sum(),
                rateHeld,
                judged ? Optional.of(p99 < GOAL_P99_MS && rateHeld && errors == 0) : Optional.empty(),
                measured);
    }

    private static double median(List<PacedWrk.Run> loads, ToDoubleFunction<PacedWrk.Run> figure) {
        return Stats.median(
                loads.stream().map(load -> figure.applyAsDouble(load)).toList());
    }
}
