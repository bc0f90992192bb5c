package io.ballast.local;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Apache Kafka broker in KRaft mode (one combined broker and controller), started in this JVM on an ephemeral
 * port. It can be {@linkplain #restart() restarted} in place; its log directories are deleted when it stops.
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

    /**
     * {@code host:port} for clients; stays the same across {@link #restart()}, and after {@link #stop()} so clients can
     * be seen failing.
     */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Creates every topic as {@link KafkaTopics} defines it (its configs: compaction, retention), on this one broker
     * with the given partition count; an existing topic is kept, with the defined configs set.
     */
    public void createBallastTopics(int partitions) {
        KafkaTopics.createOneBroker(bootstrapServers, partitions);
    }

    /**
     * Restarts the broker in place, as a restart of its process would: every client connection is cut and the port
     * refuses connections while it is down, then it comes back at the same {@link #bootstrapServers()} with its topics,
     * records and consumer groups' committed offsets. Clients created before the restart reconnect by themselves.
     * Returns once it accepts clients again and every partition has a leader.
     *
     * @throws IllegalStateException if the broker was stopped, or did not come back
     */
    public synchronized void restart() {
        if (!running) {
            throw new IllegalStateException("the Kafka broker is stopped; it cannot be restarted");
        }
        try {
            // The whole node goes down, controller included: it is the way a restarted process behaves (the metadata
            // log is read back from disk), and the controller then knows no session of the old broker, which would
            // otherwise refuse the new one's registration until broker.session.timeout.ms had passed. The test kit
            // binds each listener again on the port it had.
            for (BrokerServer broker : cluster.brokers().values()) {
                broker.shutdown();
                broker.awaitShutdown();
            }
            for (ControllerServer controller : cluster.controllers().values()) {
                controller.shutdown();
                controller.awaitShutdown();
            }
            for (ControllerServer controller : cluster.controllers().values()) {
                controller.startup();
            }
            for (BrokerServer broker : cluster.brokers().values()) {
                broker.startup();
            }
            cluster.waitForReadyBrokers();
            awaitLeaders();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting the Kafka broker", e);
        } catch (Exception e) {
            throw new IllegalStateException("could not restart the Kafka broker: " + e.getMessage(), e);
        }
    }

    /** Waits until every partition of every topic, internal ones included, has a leader again. */
    private void awaitLeaders() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            while (true) {
                var names = admin.listTopics(new ListTopicsOptions().listInternal(true))
                        .names()
                        .get(10, TimeUnit.SECONDS);
                var topics = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                List<String> leaderless = topics.values().stream()
                        .filter(topic -> topic.partitions().stream()
                                .anyMatch(partition -> partition.leader() == null
                                        || partition.leader().isEmpty()))
                        .map(TopicDescription::name)
                        .toList();
                if (leaderless.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "partitions of " + leaderless + " have no leader 30 s after the restart");
                }
                Thread.sleep(50);
            }
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
