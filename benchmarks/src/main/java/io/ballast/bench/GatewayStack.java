package io.ballast.bench;

import io.ballast.gateway.cli.CertsCommand;
import io.ballast.gateway.identity.CertificateAuthority;
import io.ballast.local.Checkout;
import io.ballast.local.LocalInfrastructure;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Map;

/**
 * A benchmark's own Kafka broker and guest-gateway, each in a JVM of its own (a {@link BenchStack}: {@link
 * LocalInfrastructure} with {@code --kafka-only}, and the packaged gateway with the JVM options the benchmark asks
 * for), on free ports, with a fresh CA. Everything lives in the stack's directory under {@code .ballast/bench}: the
 * logs ({@code infra.log}, {@code guest-gateway.log} and those of the programs the benchmark {@link #start starts})
 * and {@code run/} (certificates, state).
 *
 * <p>Closing the stack stops what runs in it, newest first, also when the JVM is stopped by a signal. The directory
 * goes with it once the benchmark said it {@link #succeeded()}; otherwise its logs stay for reading and the run says
 * where.
 */
public final class GatewayStack implements AutoCloseable {

    private final BenchStack stack;
    private String kafka = "";
    private int httpPort;
    private int agentPort;
    private long gatewayPid;
    private long kafkaPid;

    private GatewayStack(BenchStack stack) {
        this.stack = stack;
    }

    /**
     * Starts Kafka and a gateway with {@code gatewayJvmOptions}, and returns once the gateway is ready.
     *
     * @throws IllegalStateException naming the log to read when either did not start
     */
    public static GatewayStack start(Checkout checkout, List<String> gatewayJvmOptions, PrintWriter progress)
            throws IOException, InterruptedException {
        GatewayStack stack = startKafka(checkout, progress);
        try {
            stack.startGateway(gatewayJvmOptions);
            return stack;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /**
     * Starts Kafka only (its topics made as {@code deploy/kafka} defines them); {@link #startGateway} starts the
     * gateway later, e.g. once the topics hold what the gateway should find at boot.
     */
    public static GatewayStack startKafka(Checkout checkout, PrintWriter progress)
            throws IOException, InterruptedException {
        GatewayStack stack = new GatewayStack(BenchStack.open(checkout, progress));
        try {
            BenchStack.Infrastructure infra = stack.stack.startInfrastructure(false);
            stack.kafkaPid = infra.pid();
            stack.kafka = infra.kafkaBootstrap();
            return stack;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /**
     * Starts the gateway with {@code gatewayJvmOptions} on this stack's Kafka, and returns once it is ready.
     *
     * @throws IllegalStateException naming the log to read when it did not start
     */
    public void startGateway(List<String> gatewayJvmOptions) throws IOException, InterruptedException {
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
        LaunchedProgram gateway = stack.startService(
                "guest-gateway",
                gatewayJvmOptions,
                Map.of(
                        "BALLAST_KAFKA_BOOTSTRAP", kafka,
                        "BALLAST_GATEWAY_CERTS", certs().toString(),
                        "BALLAST_GATEWAY_INSTANCE", "bench",
                        "QUARKUS_HTTP_PORT", Integer.toString(httpPort),
                        "QUARKUS_HTTP_SSL_PORT", Integer.toString(agentPort)),
                httpPort);
        gatewayPid = gateway.pid();
    }

    /**
     * Starts a program of the benchmark in the stack: it is stopped with the stack at the latest.
     *
     * @throws java.util.concurrent.CancellationException when the stack is stopping
     */
    public LaunchedProgram start(Launch launch) {
        return stack.start(launch);
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
        return stack.directory();
    }

    /** Certificates and state: removed whether the benchmark succeeds or not. */
    public Path runDirectory() {
        return stack.runDirectory();
    }

    /** The benchmark finished: closing removes the directory with its logs. */
    public void succeeded() {
        stack.succeeded();
    }

    /**
     * Stops every program of the stack, one by one, newest first (SIGTERM, SIGKILL after 30 s); idempotent, and a close
     * while another runs (the shutdown hook's) waits for it.
     */
    @Override
    public void close() {
        stack.close();
    }
}
