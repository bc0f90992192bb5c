package io.ballast.bench;

import io.ballast.gateway.cli.CertsCommand;
import io.ballast.gateway.identity.CertificateAuthority;
import io.ballast.local.Checkout;
import io.ballast.local.LocalInfrastructure;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Output;
import io.ballast.local.launch.ProgramGroup;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import io.ballast.testsupport.Directories;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A benchmark's own Kafka broker and guest-gateway, each in a JVM of its own ({@link LocalInfrastructure} with
 * {@code --kafka-only}, and the packaged gateway with the JVM options the benchmark asks for), on free ports, with a
 * fresh CA. Everything lives in a directory of its own under {@code .ballast/bench}: the logs ({@code infra.log},
 * {@code gateway.log} and those of the programs the benchmark {@link #start starts}) and {@code run/} (certificates,
 * state).
 *
 * <p>Closing the stack stops what runs in it, newest first, also when the JVM is stopped by a signal. The directory
 * goes with it once the benchmark said it {@link #succeeded()}; otherwise its logs stay for reading and the run says
 * where.
 */
public final class GatewayStack implements AutoCloseable {

    /** How long Kafka, and then the gateway, may take to be ready. */
    static final Duration START_BOUND = Duration.ofSeconds(120);

    private final Path directory;
    private final PrintWriter progress;
    private final ProgramGroup programs;
    private String kafka = "";
    private int httpPort;
    private int agentPort;
    private long gatewayPid;
    private long kafkaPid;
    private boolean succeeded;

    private GatewayStack(Path directory, PrintWriter progress) {
        this.directory = directory;
        this.progress = progress;
        this.programs = ProgramGroup.open("the benchmark's stack", this::removeDirectory);
    }

    /**
     * Starts Kafka and a gateway with {@code gatewayJvmOptions}, and returns once the gateway is ready.
     *
     * @throws IllegalStateException naming the log to read when either did not start
     */
    public static GatewayStack start(Checkout checkout, List<String> gatewayJvmOptions, PrintWriter progress)
            throws IOException, InterruptedException {
        Path benches = Files.createDirectories(checkout.state().resolve("bench"));
        GatewayStack stack = new GatewayStack(Files.createTempDirectory(benches, "run."), progress);
        try {
            stack.startPrograms(checkout, gatewayJvmOptions);
            return stack;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void startPrograms(Checkout checkout, List<String> gatewayJvmOptions)
            throws IOException, InterruptedException {
        Path run = Files.createDirectories(runDirectory());
        progress.println("starting Kafka...");
        progress.flush();
        Path infraLog = directory.resolve("infra.log");
        LaunchedProgram infra = start(Launch.of("Kafka", checkout.localInfrastructure(run, "--kafka-only"))
                .withOutput(new Output.LogFile(infraLog)));
        kafkaPid = infra.pid();
        Path envFile = run.resolve(LocalInfrastructure.ENV_FILE);
        requireReady(infra, new Readiness.FileExists(envFile), infraLog);
        kafka = LocalInfrastructure.readEnvironment(envFile).getOrDefault("BALLAST_KAFKA_BOOTSTRAP", "");

        try {
            CertificateAuthority.create(certs(), CertsCommand.password(), List.of("localhost", "127.0.0.1"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("could not create the benchmark's certificates in " + certs(), e);
        }
        httpPort = Launcher.freePort();
        agentPort = Launcher.freePort();
        while (agentPort == httpPort) {
            agentPort = Launcher.freePort();
        }
        progress.println("starting guest-gateway with " + String.join(" ", gatewayJvmOptions) + "...");
        progress.flush();
        Path gatewayLog = directory.resolve("gateway.log");
        LaunchedProgram gateway = start(Launch.of("guest-gateway", checkout.service("guest-gateway", gatewayJvmOptions))
                .withEnvironment(Map.of(
                        "BALLAST_KAFKA_BOOTSTRAP", kafka,
                        "BALLAST_GATEWAY_CERTS", certs().toString(),
                        "BALLAST_GATEWAY_INSTANCE", "bench",
                        "QUARKUS_HTTP_PORT", Integer.toString(httpPort),
                        "QUARKUS_HTTP_SSL_PORT", Integer.toString(agentPort)))
                .withOutput(new Output.LogFile(gatewayLog)));
        gatewayPid = gateway.pid();
        requireReady(gateway, Readiness.healthReady(httpPort), gatewayLog);
    }

    private static void requireReady(LaunchedProgram program, Readiness readiness, Path log)
            throws InterruptedException {
        switch (program.awaitReady(readiness, START_BOUND)) {
            case Startup.Ready ready -> {}
            case Startup.Exited exited ->
                throw new IllegalStateException(program.name() + " exited during start (see " + log + ")");
            case Startup.TimedOut timedOut ->
                throw new IllegalStateException(
                        program.name() + " was not ready within " + START_BOUND.toSeconds() + " s (see " + log + ")");
        }
    }

    /**
     * Starts a program of the benchmark in the stack: it is stopped with the stack at the latest.
     *
     * @throws java.util.concurrent.CancellationException when the stack is stopping
     */
    public LaunchedProgram start(Launch launch) {
        return programs.start(launch);
    }

    /** Kafka's bootstrap servers. */
    public String kafkaBootstrap() {
        return kafka;
    }

    /** {@code localhost:PORT}: where agents reach the gateway (mutual TLS). */
    public String agentAddress() {
        return "localhost:" + agentPort;
    }

    /** The gateway's HTTP base, where {@code /q/metrics} and {@code /q/health} are. */
    public URI management() {
        return URI.create("http://localhost:" + httpPort);
    }

    /** The gateway's process, for its resident memory and a full collection. */
    public long gatewayPid() {
        return gatewayPid;
    }

    /** Kafka's process (the broker's JVM), for the CPU time it takes. */
    public long kafkaPid() {
        return kafkaPid;
    }

    /** The CA and the gateway's certificate ({@code ./ballast certs init} there). */
    public Path certs() {
        return runDirectory().resolve("certs");
    }

    /** Where the logs go: kept when the benchmark fails. */
    public Path directory() {
        return directory;
    }

    /** Certificates and state: removed whether the benchmark succeeds or not. */
    public Path runDirectory() {
        return directory.resolve("run");
    }

    /** The benchmark finished: closing removes the directory with its logs. */
    public synchronized void succeeded() {
        succeeded = true;
    }

    /**
     * Stops every program of the stack, one by one, newest first (SIGTERM, SIGKILL after 30 s); idempotent, and a close
     * while another runs (the shutdown hook's) waits for it.
     */
    @Override
    public void close() {
        programs.close();
    }

    /** Once everything stopped: the whole directory, or only the run directory when the logs are to be read. */
    private void removeDirectory(Map<LaunchedProgram, LaunchedProgram.Stopped> how) {
        boolean keepLogs;
        synchronized (this) {
            keepLogs = !succeeded;
        }
        Directories.deleteTree(keepLogs ? runDirectory() : directory);
        if (keepLogs) {
            progress.println("ballast: the benchmark did not finish; its logs are in " + directory);
            progress.flush();
        }
    }
}
