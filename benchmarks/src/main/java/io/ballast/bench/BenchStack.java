package io.ballast.bench;

import io.ballast.local.Checkout;
import io.ballast.local.LocalInfrastructure;
import io.ballast.local.LocalStack;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Output;
import io.ballast.local.launch.ProgramGroup;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import io.ballast.local.token.TokenKeys;
import io.ballast.local.token.TokenMinter;
import io.ballast.testsupport.Directories;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The programs a benchmark starts, each in a JVM of its own: the infrastructure ({@link LocalInfrastructure}: a Kafka
 * broker, and PostgreSQL when asked for), then the services under test. Everything lives in a directory of its own
 * under {@code .ballast/bench}: each program's log ({@code NAME.log}) and {@code run/} (certificates, keys, state).
 *
 * <p>Closing the stack stops what runs in it, newest first, also when the JVM is stopped by a signal. The directory
 * goes with it once the benchmark said it {@link #succeeded()}; otherwise its logs stay for reading and the run says
 * where.
 */
public final class BenchStack implements AutoCloseable {

    /** How long the infrastructure, and then each service, may take to be ready. */
    public static final Duration START_BOUND = Duration.ofSeconds(120);

    /** How long the tokens of {@link Service#as} stay valid: longer than any benchmark runs. */
    static final Duration TOKEN_LIFETIME = Duration.ofHours(12);

    private final Checkout checkout;
    private final Path directory;
    private final PrintWriter progress;
    private final ProgramGroup programs;
    private boolean succeeded;

    private BenchStack(Checkout checkout, Path directory, PrintWriter progress) {
        this.checkout = checkout;
        this.directory = directory;
        this.progress = progress;
        this.programs = ProgramGroup.open("the benchmark's stack", this::removeDirectory);
    }

    /** A stack with nothing started yet, in a fresh directory under the checkout's {@code .ballast/bench}. */
    public static BenchStack open(Checkout checkout, PrintWriter progress) throws IOException {
        Path benches = Files.createDirectories(checkout.state().resolve("bench"));
        BenchStack stack = new BenchStack(checkout, Files.createTempDirectory(benches, "run."), progress);
        Files.createDirectories(stack.runDirectory());
        return stack;
    }

    /** What {@link #startInfrastructure} started: how to reach it, and the process. */
    public record Infrastructure(Map<String, String> environment, long pid) {

        /** Kafka's bootstrap servers. */
        public String kafkaBootstrap() {
            return environment.getOrDefault("BALLAST_KAFKA_BOOTSTRAP", "");
        }
    }

    /**
     * Starts Kafka and, {@code withDatabase}, PostgreSQL (embedded, or the one {@code BALLAST_DB_URL} names) in one JVM
     * ({@code infra.log}), and returns once both are up.
     *
     * @throws IllegalStateException naming the log to read when they did not start
     */
    public Infrastructure startInfrastructure(boolean withDatabase) throws IOException, InterruptedException {
        say(withDatabase ? "starting Kafka and PostgreSQL..." : "starting Kafka...");
        Path envFile = runDirectory().resolve(LocalInfrastructure.ENV_FILE);
        LaunchedProgram infra = startReady(
                withDatabase ? "Kafka and PostgreSQL" : "Kafka",
                "infra",
                withDatabase
                        ? checkout.localInfrastructure(runDirectory())
                        : checkout.localInfrastructure(runDirectory(), "--kafka-only"),
                Map.of(),
                new Readiness.FileExists(envFile));
        return new Infrastructure(LocalInfrastructure.readEnvironment(envFile), infra.pid());
    }

    /**
     * Starts the packaged service {@code module} with {@code jvmOptions} and {@code environment} ({@code MODULE.log}),
     * and returns once it reports ready on {@code httpPort}.
     *
     * @throws IllegalStateException naming the log to read when it did not start
     */
    public LaunchedProgram startService(
            String module, List<String> jvmOptions, Map<String, String> environment, int httpPort)
            throws InterruptedException {
        say("starting " + module + " with " + String.join(" ", jvmOptions) + "...");
        return startReady(
                module, module, checkout.service(module, jvmOptions), environment, Readiness.healthReady(httpPort));
    }

    /**
     * A packaged service started on the stack's infrastructure ({@link #startService(String, Infrastructure, Map)}):
     * its REST API, its process, and the key its tokens are signed with.
     *
     * @param api {@code http://localhost:PORT/api/v1/}
     */
    public record Service(URI api, long pid, TokenMinter tokens) {

        /** The API as a caller with {@code role} ({@code Roles.VIEWER}, ...), named {@code subject} in its token. */
        public ServiceApi as(String subject, String role) {
            return new ServiceApi(api, tokens.mint(subject, role, TOKEN_LIFETIME));
        }
    }

    /**
     * Starts the packaged service {@code module} as the local stack runs it ({@link Checkout#SERVICE_JVM_OPTIONS}) on
     * {@code infrastructure}, on a free port, trusting a fresh token key pair (its public key in the run directory),
     * with {@code environment} on top; returns once it is ready.
     *
     * @throws IllegalStateException naming the log to read when it did not start
     */
    public Service startService(String module, Infrastructure infrastructure, Map<String, String> environment)
            throws IOException, InterruptedException {
        TokenKeys keys = TokenKeys.generate();
        Path publicKey = runDirectory().resolve(module + "-" + TokenKeys.PUBLIC_KEY_FILE);
        keys.writePublicKey(publicKey);
        int port = Launcher.freePort();
        Map<String, String> settings = new HashMap<>(infrastructure.environment());
        settings.putAll(environment);
        settings.put(LocalStack.PUBLIC_KEY_VARIABLE, publicKey.toString());
        settings.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        long pid = startService(module, Checkout.SERVICE_JVM_OPTIONS, settings, port)
                .pid();
        return new Service(
                URI.create("http://localhost:" + port + "/api/v1/"),
                pid,
                new TokenMinter(keys.privateKey(), Clock.systemUTC()));
    }

    private LaunchedProgram startReady(
            String name, String logName, List<String> command, Map<String, String> environment, Readiness readiness)
            throws InterruptedException {
        Path log = directory.resolve(logName + ".log");
        LaunchedProgram program =
                start(Launch.of(name, command).withEnvironment(environment).withOutput(new Output.LogFile(log)));
        switch (program.awaitReady(readiness, START_BOUND)) {
            case Startup.Ready ready -> {}
            case Startup.Exited exited ->
                throw new IllegalStateException(program.name() + " exited during start (see " + log + ")");
            case Startup.TimedOut timedOut ->
                throw new IllegalStateException(
                        program.name() + " was not ready within " + START_BOUND.toSeconds() + " s (see " + log + ")");
        }
        return program;
    }

    /**
     * Starts a program of the benchmark in the stack: it is stopped with the stack at the latest.
     *
     * @throws java.util.concurrent.CancellationException when the stack is stopping
     */
    public LaunchedProgram start(Launch launch) {
        return programs.start(launch);
    }

    /** Where the logs go: kept when the benchmark fails. */
    public Path directory() {
        return directory;
    }

    /** Certificates, keys and state: removed whether the benchmark succeeds or not. */
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

    private void say(String line) {
        progress.println(line);
        progress.flush();
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
