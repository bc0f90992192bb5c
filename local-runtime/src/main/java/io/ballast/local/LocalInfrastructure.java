package io.ballast.local;

import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The infrastructure of the local stack ({@code ./ballast up}): a real Kafka broker and, unless
 * {@code BALLAST_DB_URL} names a server, an embedded PostgreSQL with the {@code ballast} database. Writes how to reach
 * them to {@code <state-dir>/infra.env} once both are up, runs until it is terminated, then stops both and removes
 * the file. With {@code --kafka-only}, only the broker (for benchmarks of services without a database).
 */
@Command(
        name = "ballast local-infrastructure",
        mixinStandardHelpOptions = true,
        description = "Kafka and PostgreSQL for the local stack, until terminated.")
public final class LocalInfrastructure implements Callable<Integer> {

    /** The database the local stack's services share (each in its own schema). */
    static final String DATABASE = "ballast";

    /** The file, in the state directory, that says how to reach the infrastructure once it is up. */
    public static final String ENV_FILE = "infra.env";

    @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "Where infra.env is written.")
    Path stateDir;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "3",
            description = "Partitions of each Ballast topic, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--kafka-only", description = "Start the broker only.")
    boolean kafkaOnly;

    public static void main(String[] args) {
        Program.of(new LocalInfrastructure()).exit(args);
    }

    @Override
    public Integer call() throws Exception {
        if (partitions < 1 || partitions > 1000) {
            throw new IllegalArgumentException("--partitions must be 1 to 1000, not " + partitions);
        }
        Files.createDirectories(stateDir);
        Path envFile = stateDir.resolve(ENV_FILE);
        Files.deleteIfExists(envFile);

        List<AutoCloseable> started = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stopAll(started, envFile);
                            stopped.countDown();
                        },
                        "local-infrastructure-stop"));

        KafkaBroker broker = KafkaBroker.start();
        started.add(broker);
        broker.createBallastTopics(partitions);

        List<String> env = new ArrayList<>();
        env.add("BALLAST_KAFKA_BOOTSTRAP=" + broker.bootstrapServers());
        Optional<LocalDatabase.Database> database = Optional.empty();
        if (!kafkaOnly && LocalDatabase.external().isEmpty()) {
            LocalDatabase server = LocalDatabase.startEmbedded(0);
            started.add(server);
            database = Optional.of(server.create(DATABASE));
            database.get().environment().forEach((name, value) -> env.add(name + "=" + value));
        }
        writeEnvironment(envFile, env);
        System.out.println("infrastructure ready: kafka=" + broker.bootstrapServers()
                + database.map(d -> " postgres=" + d.jdbcUrl()).orElse(""));
        stopped.await();
        return ExitCode.DONE;
    }

    /** Writes the {@code NAME=value} lines at once: whoever waits for the file never reads half of it. */
    public static void writeEnvironment(Path envFile, List<String> lines) throws IOException {
        Path temporary = envFile.resolveSibling(envFile.getFileName() + ".tmp");
        Files.write(temporary, lines);
        Files.move(temporary, envFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The {@code NAME=value} lines of an {@value #ENV_FILE} this program wrote: how to reach what it runs. */
    public static Map<String, String> readEnvironment(Path envFile) throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String line : Files.readAllLines(envFile)) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                environment.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        return environment;
    }

    private static void stopAll(List<AutoCloseable> started, Path envFile) {
        try {
            Files.deleteIfExists(envFile);
        } catch (IOException e) {
            System.err.println("could not remove " + envFile + ": " + e.getMessage());
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("could not stop " + started.get(i) + ": " + e.getMessage());
            }
        }
    }
}
