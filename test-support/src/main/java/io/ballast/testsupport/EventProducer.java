package io.ballast.testsupport;

import com.google.protobuf.Message;
import io.ballast.proto.events.Topic;
import io.ballast.support.events.Events;
import java.time.Duration;
import java.util.Map;
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
 * Puts events on a real broker for a test, as the service named by the codec would: a real {@link KafkaProducer}
 * encoding with the shared {@link Events} codec. Each send waits until the broker acknowledged the record (all
 * replicas), at most {@link #SEND_BOUND}, so what a test publishes is on the topic when the call returns. Open one per
 * test (or per class) and close it.
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

    private final KafkaProducer<String, byte[]> producer;
    private final Events codec;

    private EventProducer(KafkaProducer<String, byte[]> producer, Events codec) {
        this.producer = producer;
        this.codec = codec;
    }

    /** A producer whose envelopes name {@code producerName} (e.g. {@code "reservation-service"}). */
    public static EventProducer connect(String bootstrapServers, String producerName) {
        return connect(bootstrapServers, new Events(producerName));
    }

    /** A producer encoding with {@code codec} (e.g. one whose clock the test controls). */
    public static EventProducer connect(String bootstrapServers, Events codec) {
        return new EventProducer(
                new KafkaProducer<>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                        StringSerializer.class.getName(),
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                        ByteArraySerializer.class.getName())),
                codec);
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

    /** The codec this producer encodes with. */
    public Events codec() {
        return codec;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
