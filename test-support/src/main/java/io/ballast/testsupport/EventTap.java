package io.ballast.testsupport;

import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.support.events.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads one of Ballast's topics on a real broker from the moment it is opened, decoding with the shared codec:
 * what a test's action produced, whatever ran before.
 */
public final class EventTap implements AutoCloseable {

    private final KafkaConsumer<String, byte[]> consumer;
    private final Events codec = new Events("event-tap");
    private final List<Decoded.Event> seen = new ArrayList<>();
    private final Set<Integer> taken = new HashSet<>();

    private EventTap(KafkaConsumer<String, byte[]> consumer) {
        this.consumer = consumer;
    }

    /** Opens the tap at the current end of every partition of {@code topic}. */
    public static EventTap fromNow(String bootstrapServers, Topic topic) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName()));
        List<TopicPartition> partitions = consumer.partitionsFor(topic.topicName(), Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic.topicName(), info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.endOffsets(partitions).forEach(consumer::seek);
        return new EventTap(consumer);
    }

    /**
     * Reads until an event matching {@code until} arrived (or the timeout passed) and returns every valid event read
     * so far, in arrival order.
     */
    public List<Decoded.Event> readUntil(Predicate<Decoded.Event> until, Duration timeout) {
        return readUntilCount(until, 1, timeout);
    }

    /**
     * Reads until {@code count} events matching {@code matching} arrived (or the timeout passed), e.g. every copy of
     * events sent more than once, and returns every valid event read so far, in arrival order.
     */
    public List<Decoded.Event> readUntilCount(Predicate<Decoded.Event> matching, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen.stream().filter(matching).count() < count && System.nanoTime() < deadline) {
            poll();
        }
        long matched = seen.stream().filter(matching).count();
        if (matched < count) {
            throw new AssertionError(
                    matched + " of " + count + " matching events within " + timeout.toSeconds() + " s; read: " + seen);
        }
        return List.copyOf(seen);
    }

    /**
     * The first event matching {@code matching} that no call of this method returned before, read until it arrived
     * (or the timeout passed): events a test answers one by one, each once.
     */
    public Decoded.Event readNext(Predicate<Decoded.Event> matching, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (int i = 0; i < seen.size(); i++) {
                if (!taken.contains(i) && matching.test(seen.get(i))) {
                    taken.add(i);
                    return seen.get(i);
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("no new matching event within " + timeout.toSeconds() + " s; read: " + seen);
            }
            poll();
        }
    }

    /** Reads for {@code duration} and returns every valid event read so far, in arrival order. */
    public List<Decoded.Event> readFor(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline) {
            poll();
        }
        return List.copyOf(seen);
    }

    private void poll() {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
            if (codec.decode(record) instanceof Decoded.Event event) {
                seen.add(event);
            }
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
