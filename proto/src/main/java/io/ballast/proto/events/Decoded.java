package io.ballast.proto.events;

import com.google.protobuf.Message;
import io.ballast.proto.events.v1.Envelope;
import java.util.Optional;

/** What {@link Events#decode} made of a Kafka record: an event to handle, or a record to skip. */
public sealed interface Decoded {

    /** A valid event: its envelope and its parsed payload. */
    record Event(Topic topic, Envelope envelope, Message payload) implements Decoded {

        /** The payload as the given message type, or empty when it is another type. */
        public <T extends Message> Optional<T> payloadAs(Class<T> type) {
            return type.isInstance(payload) ? Optional.of(type.cast(payload)) : Optional.empty();
        }
    }

    /**
     * A record that cannot be handled; it has been counted and logged once by the codec.
     *
     * @param topicName the Kafka topic the record came from
     * @param detail what was wrong, naming the offending value
     */
    record Skipped(String topicName, SkipReason reason, String detail) implements Decoded {}
}
