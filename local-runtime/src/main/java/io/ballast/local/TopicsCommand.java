package io.ballast.local;

import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.cli.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./ballast topics --bootstrap HOST:PORT}: brings an existing Kafka cluster's Ballast topics in line with
 * {@code deploy/kafka/topics.properties}, the definitions the local stack creates its own from, and prints one line per
 * topic saying what was done.
 */
@Command(
        name = "ballast topics",
        mixinStandardHelpOptions = true,
        description = "Creates Ballast's Kafka topics as deploy/kafka/topics.properties defines them, and sets the"
                + " defined configs of those that exist.")
public final class TopicsCommand implements Callable<Integer> {

    @Option(
            names = "--bootstrap",
            required = true,
            paramLabel = "HOST:PORT[,…]",
            description = "The cluster's bootstrap servers.")
    String bootstrap;

    @Option(
            names = "--command-config",
            paramLabel = "FILE",
            description = "Admin client properties (security.protocol, sasl.*, ssl.*), as Kafka's own tools take them.")
    Path commandConfig;

    @Option(
            names = "--replication-factor",
            paramLabel = "N",
            description = "Replicas for topics created now, fewer than defined on a small cluster (and no in-sync"
                    + " minimum above it).")
    Integer replicationFactor;

    @Option(names = "--dry-run", description = "Says what would be done and changes nothing.")
    boolean dryRun;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        Program.of(new TopicsCommand()).exit(args);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (replicationFactor != null && replicationFactor < 1) {
            throw new Refusal("--replication-factor must be 1 or more, not " + replicationFactor);
        }
        List<KafkaTopics.Definition> topics = KafkaTopics.all().stream()
                .map(topic -> replicationFactor == null ? topic : topic.on(replicationFactor, topic.partitions()))
                .toList();
        try (Admin admin = Admin.create(clientConfig())) {
            for (KafkaTopics.Change change : KafkaTopics.apply(admin, topics, dryRun)) {
                spec.commandLine().getOut().println((dryRun ? "would: " : "") + change);
            }
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new Refusal("the cluster at " + bootstrap + " did not take the topics: " + cause.getMessage());
        }
        return ExitCode.DONE;
    }

    private Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        if (commandConfig != null) {
            if (!Files.isRegularFile(commandConfig)) {
                throw new Refusal("--command-config " + commandConfig + " is not a file");
            }
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(commandConfig)) {
                properties.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + commandConfig + ": " + e.getMessage(), e);
            }
            properties.stringPropertyNames().forEach(name -> config.put(name, properties.getProperty(name)));
        }
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "ballast-topics");
        return config;
    }
}
