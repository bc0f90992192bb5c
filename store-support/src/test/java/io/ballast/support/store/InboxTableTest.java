package io.ballast.support.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The inbox on a real PostgreSQL, without Quarkus. */
class InboxTableTest {

    private static DataSource dataSource;

    private InboxTable inbox;

    @BeforeAll
    static void database() {
        dataSource = StoreFixture.dataSource();
    }

    @BeforeEach
    void schema() throws SQLException {
        inbox = new InboxTable(StoreFixture.migratedSchema(dataSource));
    }

    @Test
    void aRepeatedEventIdIsRefusedPerConsumer() throws SQLException {
        String eventId = UUID.randomUUID().toString();

        assertThat(firstTime(eventId, "reservation.acks")).isTrue();
        assertThat(firstTime(eventId, "reservation.acks")).isFalse();
        assertThat(firstTime(eventId, "reservation.telemetry")).isTrue();
    }

    @Test
    void anIdRecordedInARolledBackTransactionIsNew() throws SQLException {
        String eventId = UUID.randomUUID().toString();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            assertThat(inbox.firstTime(connection, eventId, "consumer")).isTrue();
            connection.rollback();
        }

        assertThat(firstTime(eventId, "consumer")).isTrue();
    }

    @Test
    void idsOlderThanTheRetentionAreForgotten() throws SQLException {
        String old = UUID.randomUUID().toString();
        assertThat(firstTime(old, "consumer")).isTrue();

        try (Connection connection = dataSource.getConnection()) {
            assertThat(inbox.purge(connection, Instant.now().minusSeconds(3600)))
                    .isZero();
            assertThat(inbox.purge(connection, Instant.now().plusSeconds(1))).isEqualTo(1);
        }

        assertThat(firstTime(old, "consumer")).isTrue();
    }

    @Test
    void anIdThatIsNotAUuidIsRefused() throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            assertThatThrownBy(() -> inbox.firstTime(connection, "event-1", "consumer"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private boolean firstTime(String eventId, String consumer) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            return inbox.firstTime(connection, eventId, consumer);
        }
    }
}
