package io.ballast.support.events;

import com.google.protobuf.Message;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Envelopes;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The one codec between Ballast events and Kafka records, shared by every service, test and benchmark.
 *
 * <p>A record's key is the envelope's subject id, its value the serialized {@link Envelope}, and its
 * {@value #TYPE_HEADER} header the payload's fully qualified protobuf name. Encoding refuses events a topic does
 * not carry. Decoding never throws: a record that is not a valid event comes back as {@link Decoded.Skipped},
 * counted in {@link #counters()} and logged once, so a bad record can never stop a consumer. The envelopes
 * themselves are the contracts' {@link Envelopes}.
 *
 * <p>Thread-safe.
 */
public final class Events {

    /** Kafka header holding the event type. */
    public static final String TYPE_HEADER = "ballast-event-type";

    private static final System.Logger LOG = System.getLogger(Events.class.getName());

    private final Envelopes envelopes;
    private final EventCounters counters = new EventCounters();

    /** A codec whose envelopes name {@code producer} (e.g. the service's application name). */
    public Events(String producer) {
        this(producer, Clock.systemUTC());
    }

    /** A codec stamping envelopes with {@code clock}'s time. */
    public Events(String producer, Clock clock) {
        this.envelopes = new Envelopes(producer, clock);
    }

    /** Wraps {@code payload} in a new envelope: a fresh event id, the current time, this producer. */
    public Envelope envelope(String subjectId, Message payload) {
        return envelopes.envelope(subjectId, payload);
    }

    /**
     * The record that puts {@code payload} on {@code topic} for {@code subjectId} in a new envelope.
     *
     * @throws IllegalArgumentException if the topic does not carry the payload's type or the subject id is blank
     */
    public ProducerRecord<String, byte[]> record(Topic topic, String subjectId, Message payload) {
        return record(topic, envelopes.envelope(topic, subjectId, payload));
    }

    /**
     * The record that puts an existing envelope on {@code topic}, e.g. when an outbox relays a stored event.
     *
     * @throws IllegalArgumentException if the topic does not carry the envelope's type or the envelope lacks an
     *     event id or subject id
     */
    public ProducerRecord<String, byte[]> record(Topic topic, Envelope envelope) {
        Envelopes.requireCarried(topic, envelope);
        Headers headers = new RecordHeaders();
        headers.add(TYPE_HEADER, envelope.getType().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic.topicName(), null, envelope.getSubjectId(), envelope.toByteArray(), headers);
    }

    /**
     * Decodes a record into its event, or says why it must be skipped. Never throws for bad input: skipped records
     * are counted in {@link #counters()} and logged at WARNING with their topic, partition and offset.
     */
    public Decoded decode(ConsumerRecord<String, byte[]> record) {
        Header typeHeader = record.headers().lastHeader(TYPE_HEADER);
        Optional<String> declaredType = Optional.ofNullable(typeHeader)
                .map(header -> header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
        Decoded decoded =
                Envelopes.decode(record.topic(), Optional.ofNullable(record.key()), declaredType, record.value());
        switch (decoded) {
            case Decoded.Event event -> counters.countDecoded(event.topic());
            case Decoded.Skipped skipped -> {
                counters.countSkipped(record.topic(), skipped.reason());
                LOG.log(
                        System.Logger.Level.WARNING,
                        "Skipped event topic={0} partition={1} offset={2} reason={3}: {4}",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        skipped.reason().tag(),
                        skipped.detail());
            }
        }
        return decoded;
    }

    /** Counts of decoded and skipped records since this codec was created. */
    public EventCounters counters() {
        return counters;
    }
}
