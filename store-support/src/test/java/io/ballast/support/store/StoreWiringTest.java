package io.ballast.support.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionalException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The outbox and inbox as a service uses them: CDI beans in its transactions, Flyway, the relay, metrics. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
class StoreWiringTest {

    @InjectKafkaBroker
    Broker broker;

    @Inject
    ProbeBudgets budgets;

    @Inject
    Outbox outbox;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aCommittedChangeIsRelayedAtOnceWithTheEnvelopeWrittenInItsTransaction() throws Exception {
        String vm = "vm-" + UUID.randomUUID();
        try (EventTap tap = EventTap.fromNow(broker.bootstrapServers(), Topic.BALLAST_COMMANDS)) {
            Envelope written = budgets.setBudget(vm, 4L << 30, false);

            // The relay polls once an hour here: only the commit's wake-up brings the event this soon.
            List<Decoded.Event> received = tap.readUntil(
                    event -> event.envelope().getEventId().equals(written.getEventId()), Duration.ofSeconds(20));
            assertThat(received.getLast().envelope()).isEqualTo(written);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                        ServiceBootChecks.metricValue("ballast_outbox_pending", Map.of("schema", "probe")))
                .isZero());
        assertThat(ServiceBootChecks.metricValue("ballast_outbox_relay_seconds_count", Map.of("schema", "probe")))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRolledBackChangeLeavesNeitherItsStateNorItsEvent() throws SQLException {
        String vm = "vm-" + UUID.randomUUID();

        assertThatThrownBy(() -> budgets.setBudget(vm, 1L << 30, true)).isInstanceOf(IllegalStateException.class);

        assertThat(count("SELECT count(*) FROM probe.budgets WHERE vm_id = '" + vm + "'"))
                .isZero();
        assertThat(count("SELECT count(*) FROM probe.ballast_outbox WHERE record_key = '" + vm + "'"))
                .isZero();
    }

    @Test
    void anEventNeedsTheCallersTransaction() {
        assertThatThrownBy(() -> outbox.add(
                        Topic.BALLAST_COMMANDS,
                        "vm-1",
                        io.ballast.proto.ballast.v1.SetBallastSize.getDefaultInstance()))
                .isInstanceOf(TransactionalException.class);
    }

    @Test
    void theInboxLetsAConsumerHandleAnEventOnce() {
        String eventId = UUID.randomUUID().toString();

        assertThat(budgets.handle(eventId)).isTrue();
        assertThat(budgets.handle(eventId)).isFalse();
    }

    private long count(String query) throws SQLException {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement();
                var result = statement.executeQuery(query)) {
            result.next();
            return result.getLong(1);
        }
    }
}
