package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.ballast.local.KafkaBroker;
import io.ballast.local.LocalDatabase;
import io.ballast.local.launch.Commands;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.Postgres;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.Tokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A small installation for end-to-end tests: the real broker, a CA with agent certificates made by
 * {@code ./ballast certs}, and the packaged programs started on free ports. The test plays the reservation service
 * through {@link #publish}.
 */
final class Fleet implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(90);

    /** A gateway instance and its ports. */
    record Gateway(Program program, int httpPort, int tlsPort) {}

    final KafkaBroker broker;
    final Path certs;
    private final Path logs;
    private final EventProducer reservation;
    private final List<Program> programs = new ArrayList<>();
    private final Map<String, LocalDatabase.Database> workerDatabases = new HashMap<>();
    private final Map<Program, Launched> launched = new java.util.IdentityHashMap<>();

    /** How a service was started, to start it again the same way. */
    private record Launched(String module, int httpPort, Map<String, String> environment) {}

    Fleet(Path directory, int agentCertificates) {
        this.logs = directory;
        this.broker = KafkaBroker.start();
        broker.createBallastTopics(1);
        this.reservation = EventProducer.connect(broker.bootstrapServers(), "reservation-service");
        this.certs = directory.resolve("certs");
        ballast("certs", "init", "--dir", certs.toString());
        for (int i = 1; i <= agentCertificates; i++) {
            issueCertificate("vm-" + i);
        }
    }

    /** Issues the agent certificate of {@code vm} ({@code certs/vm-VM.p12}) with {@code ./ballast certs}. */
    void issueCertificate(String vm) {
        ballast("certs", "issue", vm, "--dir", certs.toString());
    }

    /**
     * Stops {@code program} (SIGTERM, as a restart does) and starts its service again on the same port with the same
     * environment; answers once it is ready.
     */
    Program restart(Program program) throws InterruptedException {
        Launched how = launched.remove(program);
        if (how == null) {
            throw new IllegalArgumentException("not a service this fleet started: " + program);
        }
        program.close();
        programs.remove(program);
        return service(how.module(), how.httpPort(), how.environment());
    }

    private Program service(String module, int httpPort, Map<String, String> environment) throws InterruptedException {
        Program program = Program.service(module, logs, httpPort, environment);
        programs.add(program);
        launched.put(program, new Launched(module, httpPort, Map.copyOf(environment)));
        program.awaitReady(httpPort, Duration.ofMinutes(2));
        return program;
    }

    Gateway gateway(String instance) throws InterruptedException {
        int http = Program.freePort();
        int tls = Program.freePort();
        Program program = service(
                "guest-gateway",
                http,
                Map.of(
                        "BALLAST_KAFKA_BOOTSTRAP", broker.bootstrapServers(),
                        "BALLAST_GATEWAY_CERTS", certs.toString(),
                        "BALLAST_GATEWAY_INSTANCE", instance,
                        "QUARKUS_HTTP_SSL_PORT", Integer.toString(tls),
                        "BALLAST_GATEWAY_RETRY_AFTER", "3s"));
        return new Gateway(program, http, tls);
    }

    /** A worker for reclaim jobs only (it takes no VM leases): no inventory, libvirt's built-in test host. */
    Program worker(String hostId) throws InterruptedException {
        return worker(hostId, Map.of());
    }

    /**
     * A worker for resize jobs on {@code hostId}: VM leases from {@code inventory} (with an operator token), the
     * hypervisor {@code libvirtUri}.
     */
    Program worker(String hostId, Inventory inventory, String libvirtUri) throws Exception {
        Path token = Files.writeString(
                logs.resolve("worker-" + hostId + "-" + System.nanoTime() + ".token"),
                Tokens.token(Roles.OPERATOR, Duration.ofHours(12)));
        return worker(
                hostId,
                Map.of(
                        "BALLAST_INVENTORY_PORT", Integer.toString(inventory.httpPort()),
                        "BALLAST_INVENTORY_TOKEN_FILE", token.toString(),
                        "BALLAST_LIBVIRT_URI", libvirtUri));
    }

    private Program worker(String hostId, Map<String, String> more) throws InterruptedException {
        int http = Program.freePort();
        // The worker keeps its job records and lease fences in a database of its own here, the same for each
        // worker started again on the host: it knows the jobs it finished.
        LocalDatabase.Database database = workerDatabases.computeIfAbsent(
                hostId, host -> Postgres.shared().freshDatabase("worker"));
        Map<String, String> environment = new HashMap<>(database.environment());
        environment.put("BALLAST_KAFKA_BOOTSTRAP", broker.bootstrapServers());
        environment.put("BALLAST_HOST_ID", hostId);
        environment.putAll(more);
        return service("resize-worker", http, environment);
    }

    /** An inventory-service instance and its HTTP (and gRPC) port. */
    record Inventory(Program program, int httpPort) {}

    /** An inventory-service on {@code database}, verifying the test's tokens, looking at {@code libvirtUris}. */
    Inventory inventoryService(LocalDatabase.Database database, String libvirtUris) throws InterruptedException {
        return inventoryService(database, libvirtUris, Map.of());
    }

    /**
     * {@link #inventoryService(LocalDatabase.Database, String)} asking {@code reservation} for migrations' holds with
     * an orchestrator token, and looking at open migrations each second.
     */
    Inventory inventoryService(LocalDatabase.Database database, String libvirtUris, Reservation reservation)
            throws Exception {
        Path token = Files.writeString(
                logs.resolve("inventory-" + System.nanoTime() + ".token"),
                Tokens.token(Roles.ORCHESTRATOR, Duration.ofHours(12)));
        return inventoryService(
                database,
                libvirtUris,
                Map.of(
                        "BALLAST_RESERVATION_PORT", Integer.toString(reservation.httpPort()),
                        "BALLAST_RESERVATION_TOKEN_FILE", token.toString(),
                        "BALLAST_MIGRATION_RECONCILE_INTERVAL", "1s"));
    }

    private Inventory inventoryService(LocalDatabase.Database database, String libvirtUris, Map<String, String> more)
            throws InterruptedException {
        int http = Program.freePort();
        Map<String, String> environment = new HashMap<>(database.environment());
        environment.putAll(Map.of(
                "BALLAST_KAFKA_BOOTSTRAP", broker.bootstrapServers(),
                "BALLAST_JWT_PUBLIC_KEY", Tokens.publicKeyFile().toString(),
                "BALLAST_LIBVIRT_URIS", libvirtUris));
        environment.putAll(more);
        return new Inventory(service("inventory-service", http, environment), http);
    }

    /** A reservation-service instance and its HTTP port. */
    record Reservation(Program program, int httpPort) {}

    /**
     * A reservation-service instance on {@code database} (several instances may share one), verifying the test's
     * tokens, looking at every datastore each second and sending budget changes of a MiB or more.
     */
    Reservation reservationService(LocalDatabase.Database database) throws InterruptedException {
        int http = Program.freePort();
        Map<String, String> environment = new HashMap<>(database.environment());
        environment.putAll(Map.of(
                "BALLAST_KAFKA_BOOTSTRAP", broker.bootstrapServers(),
                "BALLAST_JWT_PUBLIC_KEY", Tokens.publicKeyFile().toString(),
                "BALLAST_RESERVATION_TICK_INTERVAL", "1s",
                "BALLAST_RESERVATION_REBALANCE_STEP_BYTES", Long.toString(1 << 20)));
        return new Reservation(service("reservation-service", http, environment), http);
    }

    /** Starts the agent of {@code vm} keeping a ballast on {@code mount}, connected to {@code gateway}. */
    Program launchAgent(String vm, Gateway gateway, Path mount, Path stateDirectory) throws Exception {
        Path config = Files.writeString(
                logs.resolve(vm + "-" + System.nanoTime() + ".properties"),
                String.join(
                        "\n",
                        "gateway=localhost:" + gateway.tlsPort(),
                        "certificate=" + certs.resolve("vm-" + vm + ".p12"),
                        "ca=" + certs.resolve("ca.pem"),
                        "mounts=" + mount,
                        "state-dir=" + stateDirectory,
                        "telemetry-period=2s",
                        ""));
        return Program.agent("agent-" + vm + "-" + System.nanoTime(), logs, "run", "--config", config.toString());
    }

    /** {@link #launchAgent}, then waits until the gateway welcomed it. */
    Program startAgent(String vm, Gateway gateway, Path mount, Path stateDirectory) throws Exception {
        Program agent = launchAgent(vm, gateway, mount, stateDirectory);
        agent.awaitOutput("connected to the gateway as VM " + vm, WAIT);
        return agent;
    }

    void publish(Topic topic, String subject, Message payload) {
        reservation.publish(topic, subject, payload);
    }

    /** Publishes a ballast command as the reservation service does, keyed by its VM and disk. */
    void publishCommand(SetBallastSize command) {
        publish(Topic.BALLAST_COMMANDS, Topic.vmDiskKey(command.getVmId(), command.getDiskId()), command);
    }

    EventTap tap(Topic topic) {
        return EventTap.fromNow(broker.bootstrapServers(), topic);
    }

    static SetBallastSize command(String vm, String diskId, Path mount, long generation, long bytes) {
        return SetBallastSize.newBuilder()
                .setVmId(vm)
                .setDiskId(diskId)
                .setMountPoint(mount.toString())
                .setGeneration(generation)
                .setTargetBytes(bytes)
                .build();
    }

    /** The ack (applied or failed) of {@code vm}'s generation, of the type expected. */
    static <T extends Message> T awaitAck(EventTap acks, String vm, long generation, Class<T> type) {
        Message ack = acks.readUntil(ackOf(vm, generation), WAIT).stream()
                .filter(ackOf(vm, generation))
                .findFirst()
                .orElseThrow()
                .payload();
        assertThat(ack).isInstanceOf(type);
        return type.cast(ack);
    }

    static Predicate<Decoded.Event> ackOf(String vm, long generation) {
        return event -> (event.payload() instanceof BallastApplied a
                        && a.getVmId().equals(vm)
                        && a.getGeneration() == generation)
                || (event.payload() instanceof BallastFailed f
                        && f.getVmId().equals(vm)
                        && f.getGeneration() == generation);
    }

    /** A counter or gauge of a program's /q/metrics: the first series carrying {@code labels}, 0 before it exists. */
    static double metric(int httpPort, String name, Map<String, String> labels) throws Exception {
        return Program.metrics(httpPort).valueOrZero(name, labels);
    }

    private static void ballast(String... arguments) {
        Commands.run(Program.CHECKOUT.ballast(arguments).toArray(String[]::new));
    }

    @Override
    public void close() {
        for (Program program : programs) {
            program.close();
        }
        reservation.close();
        broker.stop();
    }
}
