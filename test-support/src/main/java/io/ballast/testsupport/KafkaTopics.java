package io.ballast.testsupport;

import io.ballast.local.KafkaBroker;
import io.ballast.proto.events.Topic;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Ballast's topics on a broker that is not a {@link KafkaBroker} of this JVM (one in a container). */
final class KafkaTopics {

    private KafkaTopics() {}

    /** Creates every topic of {@link Topic} with the given partition count; existing topics are kept. */
    static void createBallastTopics(String bootstrapServers, int partitions) {
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
            throw new IllegalStateException(
                    "could not create Ballast's topics on " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }
}
