package io.ballast.support.store;

import com.google.protobuf.Message;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import io.ballast.support.events.Events;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Writes events into the outbox on the caller's connection, so they commit or roll back with the state change they
 * announce. The event is put in its envelope here, once, through the shared codec: the relay sends these bytes, so a
 * re-sent event carries the same event id.
 */
public final class OutboxWriter {

    private final Events events;
    private final String insert;

    public OutboxWriter(Events events, StoreSchema schema) {
        this.events = events;
        this.insert = "INSERT INTO " + schema.table(StoreSchema.OUTBOX)
                + " (topic, record_key, event_id, event_type, envelope) VALUES (?, ?, ?, ?, ?)";
    }

    /**
     * Adds {@code payload} for {@code subjectId} (the record key) to the outbox, in a new envelope, through
     * {@code connection}, which this method neither commits nor closes.
     *
     * @return the envelope as it will be sent
     * @throws IllegalArgumentException if the topic does not carry the payload's type or the subject id is blank;
     *     nothing is written then
     */
    public Envelope add(Connection connection, Topic topic, String subjectId, Message payload) throws SQLException {
        Envelope envelope = events.envelope(subjectId, payload);
        // Refuses what the topic does not carry before anything is written, as a direct send would.
        events.record(topic, envelope);
        try (PreparedStatement statement = connection.prepareStatement(insert)) {
            statement.setString(1, topic.topicName());
            statement.setString(2, envelope.getSubjectId());
            statement.setObject(3, UUID.fromString(envelope.getEventId()));
            statement.setString(4, envelope.getType());
            statement.setBytes(5, envelope.toByteArray());
            statement.executeUpdate();
        }
        return envelope;
    }
}
