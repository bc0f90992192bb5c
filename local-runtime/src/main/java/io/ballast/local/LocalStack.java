package io.ballast.local;

import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.local.fleet.FleetLayout;
import io.ballast.local.launch.Commands;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Output;
import io.ballast.local.launch.ProgramGroup;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import io.ballast.local.token.TokenKeys;
import io.ballast.local.token.TokenMinter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast up}: the whole suite on this machine. Starts {@link LocalInfrastructure} (Kafka and PostgreSQL,
 * in a JVM of its own), makes the local certificates once ({@code ./ballast certs init}) and the key pair of bearer
 * tokens once ({@code .ballast/jwt/}, the public half passed to every service as {@value #PUBLIC_KEY_VARIABLE}),
 * prepares the simulated fleet's hosts and images ({@code .ballast/fleet/}; not with {@code --no-demo}), starts the
 * four packaged services with each line of their output prefixed by its name (inventory discovers the fleet's hosts,
 * the worker serves them), waits until every one reports ready, starts the fleet's agents, prints where everything
 * is, and runs until it is told to stop (SIGINT, SIGTERM, SIGHUP): then it stops the agents, the services, then the
 * infrastructure, and exits 0. A program that exits on its own stops the rest, and the run exits 1.
 *
 * <p>Every message is one line; what keeps the stack from starting (a port in use, an unreachable or malformed
 * {@code BALLAST_DB_URL}) is said before anything starts.
 */
@Command(
        name = "ballast",
        mixinStandardHelpOptions = true,
        description = "Kafka, PostgreSQL and the four services on this machine, until stopped.")
public final class LocalStack implements Callable<Integer> {

    /** A service of the stack and the one port it serves REST, gRPC and {@code /q} on. */
    record Service(String module, int port) {}

    static final List<Service> SERVICES = List.of(
            new Service("inventory-service", 8081),
            new Service("reservation-service", 8082),
            new Service("guest-gateway", 8083),
            new Service("resize-worker", 8084));

    /** The gateway's mutual-TLS port for agents. */
    static final int AGENT_PORT = 8443;

    /** How long the infrastructure, and then the services, may take to be ready. */
    static final Duration START_BOUND = Duration.ofSeconds(120);

    /** The PEM file of the public key every service verifies bearer tokens with. */
    public static final String PUBLIC_KEY_VARIABLE = "BALLAST_JWT_PUBLIC_KEY";

    private static final String DB_URL_PREFIX = "jdbc:postgresql://";

    /** The resize worker's bearer token for its calls to inventory, under the state's {@code run/}. */
    static final String WORKER_TOKEN_FILE = "resize-worker-inventory.token";

    /** Inventory's bearer token for its calls to reservation (migrations libvirt's hook reports). */
    static final String INVENTORY_TOKEN_FILE = "inventory-service-reservation.token";

    /** How long the services' own tokens last: longer than a local stack runs. */
    private static final Duration SERVICE_TOKEN_TTL = Duration.ofDays(30);

    /** The file the fleet's preparation writes its hosts' URIs to, under the state's {@code run/}. */
    static final String FLEET_ENV_FILE = "fleet.env";

    /** The variable of {@value #FLEET_ENV_FILE} naming the fleet's hosts, as inventory takes them. */
    static final String LIBVIRT_URIS_VARIABLE = "BALLAST_LIBVIRT_URIS";

    @Option(
            names = "--fleet",
            paramLabel = "hosts=H,vms=V",
            defaultValue = "hosts=2,vms=24",
            description = "The simulated fleet's size (default: ${DEFAULT-VALUE}); 1,000 VMs run on two cores.")
    String fleet;

    @Option(
            names = "--real-guest",
            description = "Add one VM whose disk is a real ext4 image on a loop device, kept by the real agent daemon"
                    + " and reclaimed for real; needs root.")
    boolean realGuest;

    @Option(names = "--no-demo", description = "No simulated fleet: the infrastructure and the four services only.")
    boolean noDemo;

    /** The variable of {@value #FLEET_ENV_FILE} naming the real guest's agent configuration. */
    static final String REAL_GUEST_CONFIG_VARIABLE = "BALLAST_REAL_GUEST_AGENT_CONFIG";

    private final PrintStream out = System.out;
    private Optional<String> realGuestConfig = Optional.empty();
    private Optional<List<String>> releaseRealGuest = Optional.empty();
    private final PrintStream err = System.err;
    private ProgramGroup programs;
    private Path envFile;
    private Path publicKey;
    private Path workerToken;
    private Path inventoryToken;

    public static void main(String[] args) {
        Program.of(new LocalStack()).exit(args);
    }

    @Override
    public Integer call() throws Exception {
        Checkout checkout = Checkout.containing(LocalStack.class);
        Optional<FleetLayout.Size> fleetSize = noDemo ? Optional.empty() : Optional.of(FleetLayout.Size.parse(fleet));
        if (realGuest && (noDemo || !"root".equals(System.getProperty("user.name")))) {
            throw new IllegalArgumentException(
                    noDemo
                            ? "--real-guest is a VM of the simulated fleet; leave out --no-demo"
                            : "--real-guest needs root: it attaches a loop device and mounts ext4 (run as root, or leave it"
                                    + " out)");
        }
        preflight(System.getenv());
        Path state = checkout.state();
        Path run = Files.createDirectories(state.resolve("run"));
        envFile = run.resolve(LocalInfrastructure.ENV_FILE);
        // Left by a run that was killed: the new infrastructure's file must be the one waited for.
        Files.deleteIfExists(envFile);
        Path certs = state.resolve("certs");
        createCertificates(checkout, certs);
        // The key pair bearer tokens are signed with (./ballast token) and verified by every service.
        Path tokenKeys = TokenCommand.keyDirectory(checkout);
        TokenKeys keys = TokenKeys.loadOrCreate(tokenKeys);
        publicKey = tokenKeys.resolve(TokenKeys.PUBLIC_KEY_FILE);
        // The worker takes VM leases from inventory, and inventory asks reservation for migrations' holds, each
        // with a token of its own, minted afresh at every start.
        TokenMinter minter = new TokenMinter(keys.privateKey(), Clock.systemUTC());
        workerToken = serviceToken(
                run.resolve(WORKER_TOKEN_FILE), minter.mint("resize-worker", "operator", SERVICE_TOKEN_TTL));
        inventoryToken = serviceToken(
                run.resolve(INVENTORY_TOKEN_FILE), minter.mint("inventory-service", "orchestrator", SERVICE_TOKEN_TTL));

        // Ctrl-C, a service manager's SIGTERM, a closed terminal: each ends in the JVM's shutdown, which stops all.
        programs = ProgramGroup.open("the stack", new Stopping());
        try {
            return run(checkout, run, certs, fleetSize);
        } catch (CancellationException stoppingMeanwhile) {
            // A signal arrived while starting: the shutdown hook stops what runs and ends the JVM.
            new CountDownLatch(1).await();
            throw stoppingMeanwhile;
        }
    }

    /** Writes {@code token} to {@code file}, readable by its owner only. */
    private static Path serviceToken(Path file, String token) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, token);
    }

    private int run(Checkout checkout, Path run, Path certs, Optional<FleetLayout.Size> fleetSize) throws Exception {
        out.println("ballast: starting Kafka and PostgreSQL...");
        LaunchedProgram infra = programs.start(
                Launch.of("infra", checkout.localInfrastructure(run)).withOutput(new Output.Prefixed("infra", out)));
        switch (infra.awaitReady(new Readiness.FileExists(envFile), START_BOUND)) {
            case Startup.Ready ready -> {}
            case Startup.Exited exited -> {
                return fail("the infrastructure failed to start (output above)");
            }
            case Startup.TimedOut timedOut -> {
                return fail("Kafka and PostgreSQL did not start within " + START_BOUND.toSeconds() + " s");
            }
        }
        Map<String, String> infraEnvironment = LocalInfrastructure.readEnvironment(envFile);

        Map<String, String> environment = new HashMap<>(infraEnvironment);
        List<String> fleetArguments = new ArrayList<>();
        if (fleetSize.isPresent()) {
            fleetArguments = new ArrayList<>(List.of(
                    "--dir",
                    checkout.state().resolve("fleet").toString(),
                    "--fleet",
                    fleetSize.get().toString(),
                    "--certs",
                    certs.toString(),
                    "--gateway",
                    "localhost:" + AGENT_PORT,
                    "--ready-file",
                    run.resolve(FLEET_ENV_FILE).toString()));
            if (realGuest) {
                fleetArguments.add("--real-guest");
                List<String> release = new ArrayList<>(fleetArguments);
                release.add("--release-real-guest");
                releaseRealGuest = Optional.of(checkout.simulatedFleet(release));
            }
            Optional<Map<String, String>> prepared = prepareFleet(checkout, run, fleetSize.get(), fleetArguments);
            Optional<String> uris = prepared.map(ready -> ready.get(LIBVIRT_URIS_VARIABLE));
            if (uris.isEmpty()) {
                return fail("the simulated fleet could not be prepared (output above)");
            }
            realGuestConfig = prepared.map(ready -> ready.get(REAL_GUEST_CONFIG_VARIABLE));
            // inventory discovers the fleet's hosts; the one worker of this machine serves them all
            environment.put(LIBVIRT_URIS_VARIABLE, uris.get());
            environment.put("BALLAST_WORKER_OTHER_HOSTS", uris.get());
            // the images' allocation changes as guests write and the worker punches: inventory shows it within 30 s
            environment.put("BALLAST_INVENTORY_DISCOVERY_INTERVAL", "30s");
        }
        environment.put("BALLAST_GATEWAY_CERTS", certs.toString());
        environment.put(PUBLIC_KEY_VARIABLE, publicKey.toString());
        environment.put("BALLAST_INVENTORY_TOKEN_FILE", workerToken.toString());
        environment.put("BALLAST_RESERVATION_TOKEN_FILE", inventoryToken.toString());
        SERVICES.stream()
                .filter(service -> service.module().equals("inventory-service"))
                .forEach(inventory -> environment.put("BALLAST_INVENTORY_PORT", Integer.toString(inventory.port())));
        // Started together, so stopped together, before the infrastructure they need.
        List<LaunchedProgram> services = programs.startTogether(SERVICES.stream()
                .map(service -> Launch.of(
                                service.module(), checkout.service(service.module(), Checkout.SERVICE_JVM_OPTIONS))
                        .withEnvironment(environment)
                        .withOutput(new Output.Prefixed(service.module(), out)))
                .toList());
        Map<LaunchedProgram, Readiness> starting = new LinkedHashMap<>();
        for (int i = 0; i < SERVICES.size(); i++) {
            starting.put(services.get(i), Readiness.healthReady(SERVICES.get(i).port()));
        }
        out.println("ballast: waiting for the services to be ready...");
        switch (Launcher.awaitReady(starting, START_BOUND)) {
            case Startup.Ready ready -> {}
            case Startup.Exited exited -> {
                return fail(exited.program().name() + " exited during start (output above)");
            }
            case Startup.TimedOut timedOut -> {
                return fail(
                        "not every service was ready within " + START_BOUND.toSeconds() + " s (see /q/health/ready)");
            }
        }

        List<LaunchedProgram> everything = new ArrayList<>(starting.keySet());
        everything.add(infra);
        if (fleetSize.isPresent()) {
            // started last, so stopped first: the agents leave before the gateway does
            everything.add(programs.start(Launch.of("fleet", checkout.simulatedFleet(fleetArguments))
                    .withOutput(new Output.Prefixed("fleet", out))));
        }
        if (realGuestConfig.isPresent()) {
            // the real agent daemon, as a guest runs it
            everything.add(programs.start(
                    Launch.of("agent", checkout.ballast("agent", "run", "--config", realGuestConfig.get()))
                            .withOutput(new Output.Prefixed("agent", out))));
        }

        printWhereEverythingIs(
                fleetSize,
                certs,
                infraEnvironment.get("BALLAST_KAFKA_BOOTSTRAP"),
                Optional.ofNullable(infraEnvironment.get(LocalDatabase.URL_VARIABLE))
                        .orElse(System.getenv(LocalDatabase.URL_VARIABLE)));

        LaunchedProgram exited = Launcher.awaitAnyExit(everything);
        return fail(exited.name() + " exited unexpectedly; stopping the rest");
    }

    /**
     * Makes the fleet's images and host files (kept from one run to the next, made anew for another size) and
     * answers the hosts' URIs, or nothing when it failed.
     */
    private Optional<Map<String, String>> prepareFleet(
            Checkout checkout, Path run, FleetLayout.Size size, List<String> arguments)
            throws IOException, InterruptedException {
        out.println("ballast: preparing the simulated fleet (" + size + ")...");
        Path fleetEnv = run.resolve(FLEET_ENV_FILE);
        Files.deleteIfExists(fleetEnv);
        List<String> prepare = new ArrayList<>(arguments);
        prepare.add("--prepare-only");
        LaunchedProgram preparing = programs.start(
                Launch.of("fleet", checkout.simulatedFleet(prepare)).withOutput(new Output.Prefixed("fleet", out)));
        OptionalInt exit = preparing.awaitExit(START_BOUND);
        if (exit.isEmpty() || exit.getAsInt() != ExitCode.DONE || !Files.exists(fleetEnv)) {
            return Optional.empty();
        }
        return Optional.of(LocalInfrastructure.readEnvironment(fleetEnv));
    }

    /** Refuses to start when the stack could not work: a port in use, a database that is malformed or unreachable. */
    static void preflight(Map<String, String> environment) {
        String url = environment.getOrDefault(LocalDatabase.URL_VARIABLE, "");
        if (!url.isEmpty()) {
            if (!url.startsWith(DB_URL_PREFIX)) {
                throw new IllegalStateException(LocalDatabase.URL_VARIABLE
                        + " must look like jdbc:postgresql://HOST:PORT/DATABASE, not '" + url + "'");
            }
            String hostAndPort = url.substring(DB_URL_PREFIX.length()).split("/", 2)[0];
            int colon = hostAndPort.lastIndexOf(':');
            String host = colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
            String port = colon < 0 ? "5432" : hostAndPort.substring(colon + 1);
            if (!port.matches("[0-9]{1,5}") || !accepts(host, Integer.parseInt(port), Duration.ofSeconds(3))) {
                throw new IllegalStateException("cannot reach PostgreSQL at " + host + ":" + port
                        + " (from BALLAST_DB_URL); start it, fix the URL, or unset BALLAST_DB_URL to use the embedded"
                        + " server");
            }
        }
        List<Service> needed = new ArrayList<>(SERVICES);
        needed.add(new Service("guest-gateway", AGENT_PORT));
        for (Service service : needed) {
            if (accepts("127.0.0.1", service.port(), Duration.ofMillis(500))) {
                throw new IllegalStateException("port " + service.port() + " (needed by " + service.module()
                        + ") is in use by another process; stop it (see: ss -ltnp 'sport = :" + service.port()
                        + "') and run ./ballast up again");
            }
        }
    }

    /** The CA and the gateway's certificate, made once; agents of the local stack get theirs with ./ballast certs. */
    private static void createCertificates(Checkout checkout, Path certs) throws InterruptedException {
        if (Files.exists(certs.resolve("ca.p12"))) {
            return;
        }
        try (LaunchedProgram init = Launcher.start(
                Launch.of("ballast certs", checkout.ballast("certs", "init", "--dir", certs.toString())))) {
            OptionalInt exit = init.awaitExit(START_BOUND);
            if (exit.isEmpty() || exit.getAsInt() != ExitCode.DONE) {
                throw new IllegalStateException("could not create the local certificates in " + certs + ": "
                        + String.join("; ", init.output()));
            }
        }
    }

    private void printWhereEverythingIs(
            Optional<FleetLayout.Size> fleetSize, Path certs, String kafka, String database) {
        out.println();
        out.println("Ballast is up.");
        out.println("  console     http://127.0.0.1:8081/console (sign in with: ./ballast token --role operator)");
        String row = "  %-20s %-24s %-36s %s%n";
        out.printf(Locale.ROOT, row, "service", "REST", "Swagger UI", "gRPC");
        for (Service service : SERVICES) {
            String base = "http://localhost:" + service.port();
            out.printf(Locale.ROOT, row, service.module(), base, base + "/q/swagger-ui", "localhost:" + service.port());
        }
        out.println(
                "  every service: /q/health, /q/metrics (Prometheus), /q/openapi; gRPC plain-text on the same port");
        out.println("  REST and gRPC calls need a bearer token: ./ballast token --role viewer|operator|orchestrator");
        out.println("  agents: guest-gateway on https://localhost:" + AGENT_PORT
                + " (mutual TLS; CA and certificates in " + certs + ")");
        fleetSize.ifPresent(size -> out.println("  fleet       " + size.hosts() + " simulated hosts, " + size.vms()
                + " VMs (libvirt test driver; images in .ballast/fleet); docs/quickstart.md walks through it"));
        out.println("  Kafka       " + kafka);
        out.println("  PostgreSQL  " + database);
        out.println("Press Ctrl-C to stop.");
    }

    /** Says why the stack cannot go on, stops it and returns the exit code; or waits if it is being stopped anyway. */
    private int fail(String message) throws InterruptedException {
        if (!programs.stop(() -> err.println("ballast: " + message))) {
            // A signal stops the stack: the shutdown hook has stopped it and ends the JVM.
            new CountDownLatch(1).await();
        }
        return ExitCode.FAILED;
    }

    /**
     * The stack's stop, whoever asks for it: the services together, then the infrastructure (SIGTERM, then SIGKILL
     * after 30 s each).
     */
    private final class Stopping implements ProgramGroup.Owner {

        @Override
        public void stopping() {
            out.println();
            out.println("ballast: stopping...");
        }

        @Override
        public void stopped(Map<LaunchedProgram, LaunchedProgram.Stopped> how) {
            how.forEach((program, stop) -> {
                if (stop == LaunchedProgram.Stopped.KILLED) {
                    out.println("ballast: " + program.name() + " did not stop within "
                            + LaunchedProgram.STOP_GRACE.toSeconds() + " s; killed it");
                }
            });
            try {
                Files.deleteIfExists(envFile);
            } catch (IOException e) {
                err.println("ballast: could not remove " + envFile + ": " + e.getMessage());
            }
            releaseRealGuest.ifPresent(command -> {
                try {
                    Commands.run(command.toArray(String[]::new));
                } catch (IllegalStateException e) {
                    err.println("ballast: could not release the real guest's disk: " + e.getMessage());
                }
            });
            out.println("ballast: stopped");
            out.flush();
        }

        @Override
        public void stoppedAtShutdown() {
            // A stop asked for by a signal is the normal end of ./ballast up.
            Runtime.getRuntime().halt(ExitCode.DONE);
        }
    }

    private static boolean accepts(String host, int port, Duration timeout) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }
}
