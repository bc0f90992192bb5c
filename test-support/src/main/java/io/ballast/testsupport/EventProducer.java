package io.ballast.testsupport;

import com.google.protobuf.Message;
import io.ballast.proto.events.Topic;
import io.ballast.support.events.Events;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Puts events on a real broker for a test or benchmark, as the service named by the codec would: a real
 * {@link KafkaProducer} encoding with the shared {@link Events} codec. {@link #publish} and {@link #send} wait until
 * the broker acknowledged the record (all replicas), at most {@link #SEND_BOUND}, so what a test publishes is on the
 * topic when the call returns. {@link #publishAsync} does not wait, for publishing at a rate; a producer made with
 * {@link #batching} lets such records share requests. Open one per test (or per class) and close it.
 *
 * <pre>{@code
 * try (EventProducer reservation = EventProducer.connect(broker.bootstrapServers(), "reservation-service")) {
 *     reservation.publish(Topic.WORKER_JOBS, job.getDiskId(), job);
 * }
 * }</pre>
 */
public final class EventProducer implements AutoCloseable {

    /** How long one send may take before the test fails. */
    public static final Duration SEND_BOUND = Duration.ofSeconds(10);

    /**
     * How long a {@link #batching} producer holds a record for others to join its request ({@code linger.ms}): shorter
     * than the client's default (5 ms), which would be added to the publish-to-delivery latency a benchmark measures.
     */
    public static final Duration BATCH_LINGER = Duration.ofMillis(1);

    private final KafkaProducer<String, byte[]> producer;
    private final Events codec;
    private final boolean batching;

    private EventProducer(KafkaProducer<String, byte[]> producer, Events codec, boolean batching) {
        this.producer = producer;
        this.codec = codec;
        this.batching = batching;
    }

    /** A producer whose envelopes name {@code producerName} (e.g. {@code "reservation-service"}). */
    public static EventProducer connect(String bootstrapServers, String producerName) {
        return connect(bootstrapServers, new Events(producerName));
    }

    /** A producer encoding with {@code codec} (e.g. one whose clock the test controls). */
    public static EventProducer connect(String bootstrapServers, Events codec) {
        return open(bootstrapServers, codec, Map.of(), false);
    }

    /**
     * A producer for publishing at a rate with {@link #publishAsync} (a benchmark's commands): records wait up to
     * {@link #BATCH_LINGER} for others to share their request; envelopes name {@code producerName}.
     */
    public static EventProducer batching(String bootstrapServers, String producerName) {
        return open(
                bootstrapServers,
                new Events(producerName),
                Map.of(ProducerConfig.LINGER_MS_CONFIG, (int) BATCH_LINGER.toMillis()),
                true);
    }

    /** Whether this producer was made with {@link #batching}, for publishing at a rate. */
    public boolean batching() {
        return batching;
    }

    private static EventProducer open(
            String bootstrapServers, Events codec, Map<String, Object> settings, boolean batching) {
        Map<String, Object> configuration = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName()));
        configuration.putAll(settings);
        return new EventProducer(new KafkaProducer<>(configuration), codec, batching);
    }

    /**
     * Publishes {@code payload} on {@code topic} for {@code subjectId} in a new envelope and waits for the broker.
     *
     * @throws IllegalArgumentException if the topic does not carry the payload's type (the codec's rule)
     * @throws AssertionError if the broker did not acknowledge it within {@link #SEND_BOUND}
     */
    public RecordMetadata publish(Topic topic, String subjectId, Message payload) {
        return send(codec.record(topic, subjectId, payload));
    }

    /**
     * Sends a record as it is, e.g. bytes that are not an envelope, to see a consumer skip them; waits for the broker.
     *
     * @throws AssertionError if the broker did not acknowledge it within {@link #SEND_BOUND}
     */
    public RecordMetadata send(ProducerRecord<String, byte[]> record) {
        try {
            return producer.send(record).get(SEND_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while sending to " + record.topic(), e);
        } catch (ExecutionException e) {
            throw new AssertionError(
                    "the broker refused a record for " + record.topic() + ": "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError(
                    "the broker did not acknowledge a record for " + record.topic() + " within "
                            + SEND_BOUND.toSeconds() + " s",
                    e);
        }
    }

    /**
     * Publishes {@code payload} on {@code topic} for {@code subjectId} in a new envelope without waiting for the
     * broker; {@link #flush} waits for everything published so far.
     *
     * @return completes with the record's place once the broker acknowledged it, or exceptionally with the producer's
     *     error
     * @throws IllegalArgumentException if the topic does not carry the payload's type (nothing was sent)
     */
    public CompletableFuture<RecordMetadata> publishAsync(Topic topic, String subjectId, Message payload) {
        CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
        producer.send(codec.record(topic, subjectId, payload), (metadata, failure) -> {
            if (failure == null) {
                acknowledged.complete(metadata);
            } else {
                acknowledged.completeExceptionally(failure);
            }
        });
        return acknowledged;
    }

    /** Sends every record published so far and waits until the broker answered for each. */
    public void flush() {
        producer.flush();
    }

    /** The codec this producer encodes with. */
    public Events codec() {
        return codec;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
