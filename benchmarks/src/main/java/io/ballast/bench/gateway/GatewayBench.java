package io.ballast.bench.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.ballast.bench.Benchmark;
import io.ballast.bench.GatewayStack;
import io.ballast.bench.LoadTimes;
import io.ballast.bench.Machine;
import io.ballast.bench.Report;
import io.ballast.bench.Stats;
import io.ballast.gateway.cli.CertsCommand;
import io.ballast.gateway.identity.CertificateAuthority;
import io.ballast.local.Checkout;
import io.ballast.proto.events.Topic;
import io.ballast.testsupport.EventProducer;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench gateway}: many simulated agents hold sessions with one gateway over mutual TLS while
 * commands arrive on {@code ballast.ballast.commands.v1} at a fixed rate. Measures how many sessions one gateway JVM
 * holds, its heap after a full collection with all of them connected, and command delivery latency from the
 * publish to Kafka to the agent's receipt (both on this JVM's clock).
 */
@Command(
        name = "gateway",
        description = "Sessions and command delivery latency of one guest-gateway, with simulated agents.")
public final class GatewayBench extends Benchmark {

    static final int GOAL_SESSIONS = 10_000;
    static final long GOAL_HEAP_BYTES = 1L << 30;
    static final double GOAL_P99_MS = 100;
    static final int GOAL_RATE = 1_000;

    @Option(names = "--agents", paramLabel = "N", defaultValue = "10000", description = "Simulated agents.")
    int agents;

    @Option(names = "--rate", paramLabel = "PER_SECOND", defaultValue = "1000", description = "Commands per second.")
    int rate;

    @Mixin
    LoadTimes times = new LoadTimes(Duration.ofSeconds(30), Duration.ofSeconds(60));

    /** The gateway under test, its broker and CA: the {@link GatewayStack} this run starts. */
    private String gateway;

    private URI management;
    private Optional<Long> gatewayPid;
    private long kafkaPid;
    private Path certs;
    private String kafka;

    @Option(
            names = "--handshakes",
            paramLabel = "N",
            defaultValue = "256",
            description = "TLS handshakes in flight while connecting.")
    int handshakes;

    private final Deliveries deliveries = new Deliveries();

    @Override
    protected Report measure() throws Exception {
        problem().ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        // Kafka and the gateway each in a JVM of their own, the gateway limited to a 1 GiB heap (JVM default GC).
        try (GatewayStack stack = GatewayStack.start(
                Checkout.containing(GatewayBench.class),
                List.of("-Xmx1g", "--sun-misc-unsafe-memory-access=allow"),
                progress())) {
            gateway = stack.agentAddress();
            management = stack.management();
            gatewayPid = Optional.of(stack.gatewayPid());
            kafkaPid = stack.kafkaPid();
            certs = stack.certs();
            kafka = stack.kafkaBootstrap();
            Figures figures = measureFleet();
            stack.succeeded();
            return figures;
        }
    }

    private Figures measureFleet() throws Exception {
        PrintWriter err = progress();
        int colon = gateway.lastIndexOf(':');
        String host = gateway.substring(0, colon);
        int port = Integer.parseInt(gateway.substring(colon + 1));
        GatewayProbe probe =
                new GatewayProbe(management, gatewayPid.map(OptionalLong::of).orElse(OptionalLong.empty()));

        err.printf(Locale.ROOT, "issuing %d agent certificates...%n", agents);
        CertificateAuthority authority = CertificateAuthority.open(certs, CertsCommand.password());
        List<SslContext> contexts = credentials(authority);

        NioEventLoopGroup loop =
                new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
        List<SimulatedAgent> fleet = new ArrayList<>(agents);
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
        try {
            err.printf(Locale.ROOT, "connecting %d agents to %s...%n", agents, gateway);
            long connectStart = System.nanoTime();
            AtomicReference<Throwable> refusal = new AtomicReference<>();
            int welcomed = connect(host, port, contexts, loop, fleet, refusal, err);
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            if (welcomed < agents) {
                Throwable first = refusal.get();
                err.printf(
                        Locale.ROOT,
                        "%d of %d agents were not welcomed; the first: %s%n",
                        agents - welcomed,
                        agents,
                        first == null ? "timed out" : first.getMessage());
            }
            contexts.clear();
            long heartbeatSeconds = 15;
            AtomicInteger tick = new AtomicInteger();
            heartbeats.scheduleAtFixedRate(
                    () -> {
                        int slot = (int) (tick.getAndIncrement() % heartbeatSeconds);
                        for (int i = slot; i < fleet.size(); i += (int) heartbeatSeconds) {
                            fleet.get(i).heartbeat();
                        }
                    },
                    1,
                    1,
                    TimeUnit.SECONDS);

            double gatewayConnected = awaitGatewayCount(probe, welcomed);
            err.printf(
                    Locale.ROOT,
                    "%d sessions in %.1f s; publishing %d commands/s for %d s (%d s warm-up)...%n",
                    welcomed,
                    connectSeconds,
                    rate,
                    times.duration().toSeconds(),
                    times.warmup().toSeconds());
            List<SimulatedAgent> connected =
                    fleet.stream().filter(agent -> !agent.ended()).toList();
            CpuMeter cpu = new CpuMeter(kafkaPid, gatewayPid.orElseThrow());
            int published = publish(connected, cpu);
            CpuUse cpuUse = cpu.use();
            int missing = drain(connected, Duration.ofSeconds(30));

            String scrape = probe.scrape();
            OptionalDouble gatewayP99 =
                    GatewayProbe.sum(scrape, "ballast_gateway_command_delivery_seconds", "quantile=\"0.99\"");
            boolean collected = probe.collectGarbage();
            String afterGc = probe.scrape();
            OptionalDouble heapUsed = GatewayProbe.sum(afterGc, "jvm_memory_used_bytes", "area=\"heap\"");
            OptionalDouble heapMax = GatewayProbe.sum(afterGc, "jvm_memory_max_bytes", "area=\"heap\"");
            OptionalLong resident = probe.residentBytes();

            long[] latencies = Stats.sorted(deliveries.latencies());
            if (deliveries.firstLoss() != null) {
                err.println("first lost session: " + deliveries.firstLoss());
            }
            return new Figures(
                    Machine.here(),
                    agents,
                    welcomed,
                    gatewayConnected,
                    connectSeconds,
                    deliveries.sessionsLost(),
                    rate,
                    times.duration().toSeconds(),
                    published,
                    published / ((deliveries.windowEnd() - deliveries.windowStart()) / 1e9),
                    latencies.length,
                    deliveries.superseded(),
                    missing,
                    deliveries.resent(),
                    Stats.millis(Stats.percentile(latencies, 0.50)),
                    Stats.millis(Stats.percentile(latencies, 0.99)),
                    Stats.millis(Stats.percentile(latencies, 1.0)),
                    gatewayP99.isPresent() ? OptionalDouble.of(gatewayP99.getAsDouble() * 1e3) : OptionalDouble.empty(),
                    collected ? heapUsed : OptionalDouble.empty(),
                    heapMax,
                    resident,
                    cpuUse);
        } finally {
            heartbeats.shutdownNow();
            for (SimulatedAgent agent : fleet) {
                agent.close();
            }
            for (SimulatedAgent agent : fleet) {
                agent.awaitClosed(5, TimeUnit.SECONDS);
            }
            loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    private Optional<String> problem() {
        if (agents < 1 || agents > 100_000) {
            return Optional.of("--agents must be 1 to 100000, not " + agents);
        }
        if (rate < 1 || rate > 100_000) {
            return Optional.of("--rate must be 1 to 100000 commands per second, not " + rate);
        }
        if (times.duration().isZero() || times.warmup().isNegative()) {
            return Optional.of("--duration must be positive and --warmup not negative");
        }
        if (handshakes < 1) {
            return Optional.of("--handshakes must be at least 1");
        }
        return Optional.empty();
    }

    /** One client TLS context per simulated agent, each with its own key and a certificate naming its VM. */
    private List<SslContext> credentials(CertificateAuthority authority) throws GeneralSecurityException, IOException {
        X509Certificate ca = authority.caCertificate();
        List<SslContext> contexts = new ArrayList<>(agents);
        for (int i = 0; i < agents; i++) {
            CertificateAuthority.AgentCredentials credentials = authority.agentCredentials(vmId(i));
            contexts.add(GrpcSslContexts.forClient()
                    .keyManager(credentials.key(), credentials.chain().toArray(X509Certificate[]::new))
                    .trustManager(ca)
                    .build());
        }
        return contexts;
    }

    static String vmId(int index) {
        return String.format(Locale.ROOT, "bench-vm-%05d", index);
    }

    /** Opens every session, {@link #handshakes} at a time; returns how many the gateway welcomed. */
    private int connect(
            String host,
            int port,
            List<SslContext> contexts,
            NioEventLoopGroup loop,
            List<SimulatedAgent> fleet,
            AtomicReference<Throwable> refusal,
            PrintWriter err)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(handshakes);
        AtomicInteger welcomed = new AtomicInteger();
        List<CompletableFuture<Void>> sessions = new ArrayList<>(agents);
        String version = "ballast bench agent";
        for (int i = 0; i < agents; i++) {
            inFlight.acquire();
            ManagedChannel channel = NettyChannelBuilder.forAddress(host, port)
                    .sslContext(contexts.get(i))
                    .eventLoopGroup(loop)
                    .channelType(NioSocketChannel.class)
                    .directExecutor()
                    .build();
            SimulatedAgent agent = new SimulatedAgent(vmId(i), "bench-disk-" + vmId(i), channel, deliveries);
            fleet.add(agent);
            sessions.add(agent.connect(version).whenComplete((ignored, failure) -> {
                inFlight.release();
                if (failure == null) {
                    int count = welcomed.incrementAndGet();
                    if (count % 1000 == 0) {
                        err.printf(Locale.ROOT, "  %d connected%n", count);
                    }
                } else {
                    refusal.compareAndSet(null, failure);
                }
            }));
        }
        try {
            CompletableFuture.allOf(sessions.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // counted below: refused sessions completed exceptionally, the rest did not complete in time
        }
        return welcomed.get();
    }

    /** Waits until the gateway's own gauge counts {@code expected} sessions (or 30 s); returns its last value. */
    private static double awaitGatewayCount(GatewayProbe probe, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        double connected;
        do {
            connected = GatewayProbe.sum(probe.scrape(), "ballast_gateway_agents_connected")
                    .orElse(Double.NaN);
            if (connected >= expected) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return connected;
    }

    /**
     * Publishes at {@link #rate} round-robin over the connected agents, first for the warm-up, then for the measured
     * duration; returns how many commands were published in the measured window.
     */
    private int publish(List<SimulatedAgent> connected, CpuMeter cpu) throws Exception {
        if (connected.isEmpty()) {
            cpu.start();
            deliveries.startWindow();
            deliveries.endWindow();
            cpu.stop();
            return 0;
        }
        AtomicReference<Throwable> sendFailure = new AtomicReference<>();
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        long warmupCommands = times.warmup().toNanos() / period;
        long total = warmupCommands + times.duration().toNanos() / period;
        int published = 0;
        try (EventProducer producer = EventProducer.batching(kafka, "ballast-bench")) {
            long start = System.nanoTime();
            for (long i = 0; i < total; i++) {
                if (i == warmupCommands) {
                    cpu.start();
                    deliveries.startWindow();
                }
                long due = start + i * period;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                SimulatedAgent agent = connected.get((int) (i % connected.size()));
                var command = agent.nextCommand((1 + i % 16) * (64L << 20));
                producer.publishAsync(
                                Topic.BALLAST_COMMANDS, Topic.vmDiskKey(agent.vmId(), command.getDiskId()), command)
                        .whenComplete((metadata, failure) -> {
                            if (failure != null) {
                                sendFailure.compareAndSet(null, failure);
                            }
                        });
                if (i >= warmupCommands) {
                    published++;
                }
            }
            deliveries.endWindow();
            cpu.stop();
            producer.flush();
        }
        if (sendFailure.get() != null) {
            throw new IOException(
                    "publishing a command failed: " + sendFailure.get().getMessage(), sendFailure.get());
        }
        return published;
    }

    /** Waits up to {@code limit} for the measured commands to arrive; returns how many never did. */
    private int drain(List<SimulatedAgent> connected, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        int missing;
        do {
            missing = 0;
            for (SimulatedAgent agent : connected) {
                missing += agent.undelivered(deliveries.windowStart(), deliveries.windowEnd());
            }
            if (missing == 0) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return missing;
    }

    /**
     * The figures of one run; latencies in milliseconds, sizes in bytes, CPU use over the measured interval in cores
     * per JVM (the three share the machine). A figure the run could not read (no {@code --gateway-pid}, a scrape
     * without it) is absent.
     */
    public record Figures(
            Machine machine,
            int agents,
            int connected,
            double gatewayConnected,
            double connectSeconds,
            int sessionsLost,
            int rate,
            long durationSeconds,
            int published,
            double achievedRate,
            int delivered,
            int superseded,
            int missing,
            int resent,
            double latencyP50Ms,
            double latencyP99Ms,
            double latencyMaxMs,
            OptionalDouble gatewayDeliveryP99Ms,
            OptionalDouble gatewayHeapAfterGcBytes,
            OptionalDouble gatewayHeapMaxBytes,
            OptionalLong gatewayResidentBytes,
            CpuUse cpu)
            implements Report {

        /** 10,000 sessions, every one kept, in a heap of at most 1 GiB, measured after a full collection. */
        @JsonProperty
        public boolean sessionsGoalMet() {
            return agents >= GOAL_SESSIONS
                    && connected == agents
                    && sessionsLost == 0
                    && gatewayHeapMaxBytes.orElse(Double.MAX_VALUE) <= GOAL_HEAP_BYTES
                    && gatewayHeapAfterGcBytes.isPresent();
        }

        /** Delivery p99 under 100 ms at 1,000 commands/s, with every command delivered. */
        @JsonProperty
        public boolean latencyGoalMet() {
            return rate >= GOAL_RATE && achievedRate >= 0.98 * rate && missing == 0 && latencyP99Ms < GOAL_P99_MS;
        }

        @Override
        public String text() {
            return String.format(
                    Locale.ROOT,
                    """
                    gateway bench: %d simulated agents over mutual TLS, %d commands/s for %d s
                      sessions   %d welcomed in %.1f s (the gateway counts %.0f); lost during the run: %d
                      commands   %d published (%.0f/s achieved): %d delivered, %d superseded by a newer \
                    generation, %d missing, %d resent
                      latency    publish to the agent's receipt: p50 %.1f ms, p99 %.1f ms, max %.1f ms \
                    (gateway's own p99, issue to send: %s)
                      gateway    heap %s after a full collection, of %s max; resident %s
                      cpu        while measured: %s
                      goals      %d sessions under 1 GiB heap: %s; p99 under %.0f ms at %d commands/s: %s""",
                    agents,
                    rate,
                    durationSeconds,
                    connected,
                    connectSeconds,
                    gatewayConnected,
                    sessionsLost,
                    published,
                    achievedRate,
                    delivered,
                    superseded,
                    missing,
                    resent,
                    latencyP50Ms,
                    latencyP99Ms,
                    latencyMaxMs,
                    gatewayDeliveryP99Ms.isPresent()
                            ? String.format(Locale.ROOT, "%.1f ms", gatewayDeliveryP99Ms.getAsDouble())
                            : "unknown",
                    gatewayHeapAfterGcBytes.isPresent()
                            ? mebibytes(gatewayHeapAfterGcBytes)
                            : "unknown (no GC: --gateway-pid not given)",
                    mebibytes(gatewayHeapMaxBytes),
                    gatewayResidentBytes.isPresent()
                            ? mebibytes(OptionalDouble.of(gatewayResidentBytes.getAsLong()))
                            : "unknown",
                    cpu.describe(),
                    GOAL_SESSIONS,
                    verdict(sessionsGoalMet(), agents >= GOAL_SESSIONS),
                    GOAL_P99_MS,
                    GOAL_RATE,
                    verdict(latencyGoalMet(), rate >= GOAL_RATE));
        }

        private static String verdict(boolean met, boolean applicable) {
            if (!applicable) {
                return "not measured at this size";
            }
            return met ? "met" : "NOT met";
        }

        private static String mebibytes(OptionalDouble bytes) {
            return bytes.isPresent()
                    ? String.format(Locale.ROOT, "%.0f MiB", bytes.getAsDouble() / (1 << 20))
                    : "unknown";
        }
    }
}
