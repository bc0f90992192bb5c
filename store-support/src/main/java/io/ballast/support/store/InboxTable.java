package io.ballast.support.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

/**
 * The inbox: which event ids each consumer has handled. A consumer asks {@link #firstTime} in the transaction that
 * handles the event, so the id is recorded exactly when the handling commits, and an event delivered again (Kafka
 * delivers at least once, the outbox relays at least once) is handled once.
 */
public final class InboxTable {

    private final String insert;
    private final String purge;

    public InboxTable(StoreSchema schema) {
        String table = schema.table(StoreSchema.INBOX);
        this.insert = "INSERT INTO " + table + " (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
        this.purge = "DELETE FROM " + table + " WHERE received_at < ?";
    }

    /**
     * Records that {@code consumer} handles {@code eventId}, through {@code connection} (neither committed nor
     * closed here).
     *
     * @return true the first time; false when the consumer has handled the event already (or a concurrent
     *     transaction is handling it and commits first: this call then waits for it)
     * @throws IllegalArgumentException if the event id is not a UUID (envelopes' ids always are)
     */
    public boolean firstTime(Connection connection, String eventId, String consumer) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(insert)) {
            statement.setString(1, consumer);
            statement.setObject(2, UUID.fromString(eventId));
            return statement.executeUpdate() == 1;
        }
    }

    /** Forgets event ids received before {@code before}; returns how many. */
    public int purge(Connection connection, Instant before) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(purge)) {
            statement.setTimestamp(1, Timestamp.from(before));
            return statement.executeUpdate();
        }
    }
}
