package io.ballast.proto.events;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.ballast.proto.events.v1.Envelope;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The one codec between Ballast events and Kafka records, shared by every service.
 *
 * <p>A record's key is the envelope's subject id, its value the serialized {@link Envelope}, and its
 * {@value #TYPE_HEADER} header the payload's fully qualified protobuf name. Encoding refuses events a topic does
 * not carry. Decoding never throws: a record that is not a valid event comes back as {@link Decoded.Skipped},
 * counted in {@link #counters()} and logged once, so a bad record can never stop a consumer.
 *
 * <p>Thread-safe.
 */
public final class Events {

    /** Kafka header holding the event type. */
    public static final String TYPE_HEADER = "ballast-event-type";

    /** Schema version this code writes; readers accept any version from 1 on (changes within v1 are additive). */
    public static final int SCHEMA_VERSION = 1;

    private static final System.Logger LOG = System.getLogger(Events.class.getName());

    private final String producer;
    private final Clock clock;
    private final EventCounters counters = new EventCounters();

    /** A codec whose envelopes name {@code producer} (e.g. the service's application name). */
    public Events(String producer) {
        this(producer, Clock.systemUTC());
    }

    /** A codec stamping envelopes with {@code clock}'s time. */
    public Events(String producer, Clock clock) {
        this.producer = requireText(producer, "producer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Wraps {@code payload} in a new envelope: a fresh event id, the current time, this producer. */
    public Envelope envelope(String subjectId, Message payload) {
        Objects.requireNonNull(payload, "payload");
        Instant now = clock.instant();
        return Envelope.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setType(payload.getDescriptorForType().getFullName())
                .setOccurredAt(
                        Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setProducer(producer)
                .setSubjectId(requireText(subjectId, "subject id"))
                .setSchemaVersion(SCHEMA_VERSION)
                .setPayload(payload.toByteString())
                .build();
    }

    /**
     * The record that puts {@code payload} on {@code topic} for {@code subjectId} in a new envelope.
     *
     * @throws IllegalArgumentException if the topic does not carry the payload's type or the subject id is blank
     */
    public ProducerRecord<String, byte[]> record(Topic topic, String subjectId, Message payload) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (!topic.carries(payload.getDescriptorForType())) {
            throw new IllegalArgumentException("topic " + topic.topicName() + " does not carry "
                    + payload.getDescriptorForType().getFullName() + "; it carries " + topic.eventTypes());
        }
        return record(topic, envelope(subjectId, payload));
    }

    /**
     * The record that puts an existing envelope on {@code topic}, e.g. when an outbox relays a stored event.
     *
     * @throws IllegalArgumentException if the topic does not carry the envelope's type or the envelope lacks an
     *     event id or subject id
     */
    public ProducerRecord<String, byte[]> record(Topic topic, Envelope envelope) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(envelope, "envelope");
        if (topic.prototype(envelope.getType()).isEmpty()) {
            throw new IllegalArgumentException("topic " + topic.topicName() + " does not carry '" + envelope.getType()
                    + "'; it carries " + topic.eventTypes());
        }
        requireText(envelope.getEventId(), "event id");
        requireText(envelope.getSubjectId(), "subject id");
        Headers headers = new RecordHeaders();
        headers.add(TYPE_HEADER, envelope.getType().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic.topicName(), null, envelope.getSubjectId(), envelope.toByteArray(), headers);
    }

    /**
     * Decodes a record into its event, or says why it must be skipped. Never throws for bad input: skipped records
     * are counted in {@link #counters()} and logged at WARNING with their topic, partition and offset.
     */
    public Decoded decode(ConsumerRecord<String, byte[]> record) {
        Decoded decoded = decodeUncounted(record);
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

    private static Decoded decodeUncounted(ConsumerRecord<String, byte[]> record) {
        String topicName = record.topic();
        Optional<Topic> topic = Topic.named(topicName);
        if (topic.isEmpty()) {
            return new Decoded.Skipped(
                    topicName, SkipReason.UNKNOWN_TOPIC, "topic '" + topicName + "' is not Ballast's");
        }
        byte[] value = record.value();
        if (value == null || value.length == 0) {
            return corrupt(topicName, "record has no value");
        }
        Envelope envelope;
        try {
            envelope = Envelope.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            return corrupt(topicName, "value is not an envelope (" + e.getMessage() + ")");
        }
        Optional<String> problem = envelopeProblem(envelope, record);
        if (problem.isPresent()) {
            return corrupt(topicName, problem.get());
        }
        Optional<Message> prototype = topic.get().prototype(envelope.getType());
        if (prototype.isEmpty()) {
            return new Decoded.Skipped(
                    topicName,
                    SkipReason.UNKNOWN_TYPE,
                    "type '" + envelope.getType() + "' of event " + envelope.getEventId() + " is not carried by "
                            + topicName);
        }
        try {
            Message payload = prototype.get().getParserForType().parseFrom(envelope.getPayload());
            return new Decoded.Event(topic.get(), envelope, payload);
        } catch (InvalidProtocolBufferException e) {
            return corrupt(
                    topicName,
                    "payload of event " + envelope.getEventId() + " is not a " + envelope.getType() + " ("
                            + e.getMessage() + ")");
        }
    }

    private static Optional<String> envelopeProblem(Envelope envelope, ConsumerRecord<String, byte[]> record) {
        if (!isUuid(envelope.getEventId())) {
            return Optional.of("event id '" + envelope.getEventId() + "' is not a UUID");
        }
        if (envelope.getType().isBlank()) {
            return Optional.of("event " + envelope.getEventId() + " has no type");
        }
        if (envelope.getSchemaVersion() < 1) {
            return Optional.of("event " + envelope.getEventId() + " has schema version " + envelope.getSchemaVersion());
        }
        if (!envelope.hasOccurredAt()) {
            return Optional.of("event " + envelope.getEventId() + " has no occurred-at time");
        }
        if (envelope.getSubjectId().isBlank()) {
            return Optional.of("event " + envelope.getEventId() + " has no subject id");
        }
        if (record.key() != null && !record.key().equals(envelope.getSubjectId())) {
            return Optional.of("record key '" + record.key() + "' differs from subject id '" + envelope.getSubjectId()
                    + "' of event " + envelope.getEventId());
        }
        Header typeHeader = record.headers().lastHeader(TYPE_HEADER);
        if (typeHeader != null) {
            String headerType =
                    typeHeader.value() == null ? "" : new String(typeHeader.value(), StandardCharsets.UTF_8);
            if (!headerType.equals(envelope.getType())) {
                return Optional.of("header type '" + headerType + "' differs from envelope type '" + envelope.getType()
                        + "' of event " + envelope.getEventId());
            }
        }
        return Optional.empty();
    }

    private static Decoded corrupt(String topicName, String detail) {
        return new Decoded.Skipped(topicName, SkipReason.CORRUPT, detail);
    }

    private static boolean isUuid(String text) {
        if (text.length() != 36) {
            return false;
        }
        try {
            UUID.fromString(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }
}
