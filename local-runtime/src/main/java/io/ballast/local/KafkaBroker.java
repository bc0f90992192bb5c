package io.ballast.local;

import io.ballast.proto.events.Topic;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Apache Kafka broker in KRaft mode (one combined broker and controller), started in this JVM on an ephemeral
 * port. Its log directories are deleted when it stops.
 */
public final class KafkaBroker implements AutoCloseable {

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private boolean running;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
        this.running = true;
    }

    /** Formats storage and starts a broker; returns once it accepts clients. */
    public static KafkaBroker start() {
        try {
            TestKitNodes nodes = new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build();
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
                    .setConfigProp("auto.create.topics.enable", "true")
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setDeleteOnClose(true)
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaBroker(cluster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the Kafka broker: " + e.getMessage(), e);
        }
    }

    /** {@code host:port} for clients; stays the same after {@link #stop()} so clients can be seen failing. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates every topic of {@link Topic} with the given partition count; existing topics are kept. */
    public void createBallastTopics(int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            var missing = Arrays.stream(Topic.values())
                    .map(Topic::topicName)
                    .filter(name -> !existing.contains(name))
                    .map(name -> new NewTopic(name, partitions, (short) 1))
                    .toList();
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not create Ballast's topics: " + e.getMessage(), e);
        }
    }

    public synchronized boolean isRunning() {
        return running;
    }

    /** Shuts the broker down and deletes its data; idempotent. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        try {
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the Kafka broker: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
