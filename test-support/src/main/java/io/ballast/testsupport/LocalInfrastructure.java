package io.ballast.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The infrastructure of the local stack ({@code ./ballast up}): a real Kafka broker and, unless
 * {@code BALLAST_DB_URL} names a server, an embedded PostgreSQL with the {@code ballast} database. Writes how to reach
 * them to {@code <state-dir>/infra.env} once both are up, runs until it is terminated, then stops both and removes
 * the file. With {@code --kafka-only}, only the broker (for benchmarks of services without a database).
 *
 * <p>Usage: {@code LocalInfrastructure --state-dir DIR [--partitions N] [--kafka-only]}
 */
public final class LocalInfrastructure {

    private static final String DATABASE = "ballast";

    private LocalInfrastructure() {}

    public static void main(String[] args) throws Exception {
        Path stateDir = null;
        int partitions = 3;
        boolean kafkaOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--state-dir" -> stateDir = Path.of(argument(args, ++i, "--state-dir"));
                case "--partitions" -> partitions = parsePartitions(argument(args, ++i, "--partitions"));
                case "--kafka-only" -> kafkaOnly = true;
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        if (stateDir == null) {
            usage("--state-dir is required");
        }
        Files.createDirectories(stateDir);
        Path envFile = stateDir.resolve("infra.env");
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
        String externalUrl = System.getenv(Postgres.URL_VARIABLE);
        if (!kafkaOnly && (externalUrl == null || externalUrl.isBlank())) {
            EmbeddedPostgres postgres = Postgres.startEmbedded(0);
            started.add(postgres);
            Postgres.Database database = Postgres.createDatabase(postgres, DATABASE);
            env.add("BALLAST_DB_URL=" + database.jdbcUrl());
            env.add("BALLAST_DB_USER=" + database.username());
            env.add("BALLAST_DB_PASSWORD=" + database.password());
        }
        Path temporary = stateDir.resolve("infra.env.tmp");
        Files.write(temporary, env);
        Files.move(temporary, envFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("infrastructure ready: kafka=" + broker.bootstrapServers()
                + (started.size() > 1 ? " postgres=" + env.get(1).substring("BALLAST_DB_URL=".length()) : ""));
        stopped.await();
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

    private static String argument(String[] args, int index, String option) {
        if (index >= args.length) {
            usage(option + " needs a value");
        }
        return args[index];
    }

    private static int parsePartitions(String text) {
        try {
            int partitions = Integer.parseInt(text);
            if (partitions >= 1 && partitions <= 1000) {
                return partitions;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        usage("--partitions must be a whole number from 1 to 1000, not '" + text + "'");
        return 0;
    }

    private static void usage(String problem) {
        System.err.println("local-infrastructure: " + problem);
        System.err.println("usage: LocalInfrastructure --state-dir DIR [--partitions N] [--kafka-only]");
        System.exit(2);
    }
}
