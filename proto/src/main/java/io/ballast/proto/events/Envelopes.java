package io.ballast.proto.events;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.ballast.proto.events.v1.Envelope;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Ballast events in their {@link Envelope}, independent of any transport: wraps a payload in a new envelope and
 * turns the bytes of one back into its event. The Kafka codec (service-support's {@code Events}) builds on it.
 *
 * <p>Decoding never throws: bytes that are not a valid event of their topic come back as {@link Decoded.Skipped}
 * with the reason and the offending value. Thread-safe.
 */
public final class Envelopes {

    /** Schema version this code writes; readers accept any version from 1 on (changes within v1 are additive). */
    public static final int SCHEMA_VERSION = 1;

    private final String producer;
    private final Clock clock;

    /** Envelopes naming {@code producer} (e.g. the service's application name), stamped with the system clock. */
    public Envelopes(String producer) {
        this(producer, Clock.systemUTC());
    }

    /** Envelopes stamped with {@code clock}'s time. */
    public Envelopes(String producer, Clock clock) {
        this.producer = requireText(producer, "producer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The producer these envelopes name. */
    public String producer() {
        return producer;
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
     * A new envelope for {@code payload} on {@code topic}.
     *
     * @throws IllegalArgumentException if the topic does not carry the payload's type or the subject id is blank
     */
    public Envelope envelope(Topic topic, String subjectId, Message payload) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (!topic.carries(payload.getDescriptorForType())) {
            throw new IllegalArgumentException("topic " + topic.topicName() + " does not carry "
                    + payload.getDescriptorForType().getFullName() + "; it carries " + topic.eventTypes());
        }
        Envelope built = envelope(subjectId, payload);
        topic.keyOf(payload).ifPresent(key -> {
            if (!key.equals(subjectId)) {
                throw new IllegalArgumentException("topic " + topic.topicName() + " is keyed by " + topic.keyedBy()
                        + ": a " + payload.getDescriptorForType().getName() + " goes there as '" + key + "', not '"
                        + subjectId + "'");
            }
        });
        return built;
    }

    /**
     * Checks that {@code envelope} may go on {@code topic} as it is, e.g. when an outbox relays a stored event.
     *
     * @throws IllegalArgumentException if the topic does not carry the envelope's type or the envelope lacks an
     *     event id or subject id
     */
    public static Envelope requireCarried(Topic topic, Envelope envelope) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(envelope, "envelope");
        if (topic.prototype(envelope.getType()).isEmpty()) {
            throw new IllegalArgumentException("topic " + topic.topicName() + " does not carry '" + envelope.getType()
                    + "'; it carries " + topic.eventTypes());
        }
        requireText(envelope.getEventId(), "event id");
        requireText(envelope.getSubjectId(), "subject id");
        return envelope;
    }

    /**
     * The event in {@code value}, read from the topic named {@code topicName}, or why it must be skipped.
     *
     * @param key the key it was stored under, if any: it must then be the envelope's subject id
     * @param declaredType the type the transport declared for it, if any: it must then be the envelope's type
     */
    public static Decoded decode(String topicName, Optional<String> key, Optional<String> declaredType, byte[] value) {
        Optional<Topic> topic = Topic.named(topicName);
        if (topic.isEmpty()) {
            return new Decoded.Skipped(
                    topicName, SkipReason.UNKNOWN_TOPIC, "topic '" + topicName + "' is not Ballast's");
        }
        if (value == null || value.length == 0) {
            return corrupt(topicName, "record has no value");
        }
        Envelope envelope;
        try {
            envelope = Envelope.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            return corrupt(topicName, "value is not an envelope (" + e.getMessage() + ")");
        }
        Optional<String> problem = envelopeProblem(envelope, key, declaredType);
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

    private static Optional<String> envelopeProblem(
            Envelope envelope, Optional<String> key, Optional<String> declaredType) {
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
        if (key.isPresent() && !key.get().equals(envelope.getSubjectId())) {
            return Optional.of("record key '" + key.get() + "' differs from subject id '" + envelope.getSubjectId()
                    + "' of event " + envelope.getEventId());
        }
        if (declaredType.isPresent() && !declaredType.get().equals(envelope.getType())) {
            return Optional.of("header type '" + declaredType.get() + "' differs from envelope type '"
                    + envelope.getType() + "' of event " + envelope.getEventId());
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
