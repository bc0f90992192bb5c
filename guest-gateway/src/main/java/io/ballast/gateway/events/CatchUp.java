package io.ballast.gateway.events;

import io.ballast.proto.events.Topic;
import io.ballast.support.events.KafkaClientSettings;
import io.ballast.support.health.HealthConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the gateway has read the topics it reads from their start at every boot (commands, acknowledgements and
 * inventory): the first look takes each partition's end as its mark, and the gateway has caught up once it has read
 * every partition up to its mark. Until then an agent could connect before its pending command was read.
 */
@ApplicationScoped
public class CatchUp {

    /** The topics the gateway reads from their start. */
    static final List<Topic> READ_FROM_START = List.of(Topic.BALLAST_COMMANDS, Topic.BALLAST_ACKS, Topic.INVENTORY);

    private final Map<String, Object> kafkaConfig;
    private final HealthConfig healthConfig;
    private final Map<TopicPartition, Long> read = new ConcurrentHashMap<>();
    private volatile Map<TopicPartition, Long> marks;
    private Admin admin;

    CatchUp(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, HealthConfig healthConfig) {
        this.kafkaConfig = kafkaConfig;
        this.healthConfig = healthConfig;
    }

    /** Takes the marks at start, so that catching up is measured against what was there then. */
    void onStart(@Observes StartupEvent started) {
        takeMarks();
    }

    /** The gateway has handled {@code record}. */
    void read(ConsumerRecord<?, ?> record) {
        read.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1, Math::max);
    }

    /**
     * How many records are left to read up to the marks: 0 once caught up (for good: the marks are taken once), empty
     * while the broker has not told the marks.
     */
    public Optional<Long> behind() {
        Map<TopicPartition, Long> known = marks;
        if (known == null) {
            known = takeMarks();
            if (known == null) {
                return Optional.empty();
            }
        }
        long behind = 0;
        for (Map.Entry<TopicPartition, Long> mark : known.entrySet()) {
            behind += Math.max(0, mark.getValue() - read.getOrDefault(mark.getKey(), 0L));
        }
        return Optional.of(behind);
    }

    private synchronized Map<TopicPartition, Long> takeMarks() {
        if (marks != null) {
            return marks;
        }
        long timeoutMs = healthConfig.kafkaTimeout().toMillis();
        try {
            // a topic not made yet was empty at start: nothing to read up to there
            Set<String> existing = admin().listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<String, TopicDescription> topics = admin().describeTopics(READ_FROM_START.stream()
                            .map(Topic::topicName)
                            .filter(existing::contains)
                            .toList())
                    .allTopicNames()
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            topics.values().forEach(topic -> topic.partitions()
                    .forEach(partition ->
                            latest.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest())));
            Map<TopicPartition, Long> taken = new HashMap<>();
            admin().listOffsets(latest)
                    .all()
                    .get(timeoutMs, TimeUnit.MILLISECONDS)
                    .forEach((partition, offset) -> taken.put(partition, offset.offset()));
            marks = Map.copyOf(taken);
            return marks;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            return null;
        }
    }

    private Admin admin() {
        if (admin == null) {
            admin = KafkaClientSettings.boundedAdmin(
                    kafkaConfig, healthConfig.kafkaTimeout(), "ballast-gateway-catch-up");
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
