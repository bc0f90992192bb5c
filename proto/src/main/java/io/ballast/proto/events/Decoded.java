package io.ballast.proto.events;

import com.google.protobuf.Message;
import io.ballast.proto.events.v1.Envelope;
import java.util.Optional;

/** What {@link Envelopes#decode} made of a stored event: an event to handle, or a record to skip. */
public sealed interface Decoded {

    /** A valid event: its envelope and its parsed payload. */
    record Event(Topic topic, Envelope envelope, Message payload) implements Decoded {

        /** The payload as the given message type, or empty when it is another type. */
        public <T extends Message> Optional<T> payloadAs(Class<T> type) {
            return type.isInstance(payload) ? Optional.of(type.cast(payload)) : Optional.empty();
        }
    }

    /**
     * A record that cannot be handled; the Kafka codec counts and logs it once.
     *
     * @param topicName the Kafka topic the record came from
     * @param detail what was wrong, naming the offending value
     */
    record Skipped(String topicName, SkipReason reason, String detail) implements Decoded {}
}
