package io.ballast.support.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import io.ballast.support.events.Events;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.TestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox writer and relay on a real PostgreSQL and a real broker, without Quarkus. */
class OutboxRelayTest {

    private static final Topic TOPIC = Topic.BALLAST_COMMANDS;
    private static final Duration READ_BOUND = Duration.ofSeconds(60);

    private static Broker broker;
    private static DataSource dataSource;

    private final Events events = new Events("store-support-test");
    private final List<OutboxRelay> relays = new ArrayList<>();
    private final List<KafkaProducer<String, byte[]>> producers = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** Keys of this test only: the topic is shared by the tests of this class. */
    private final String keyPrefix = "vm-" + UUID.randomUUID() + "-";

    private StoreSchema schema;
    private OutboxWriter writer;
    private EventTap tap;

    @BeforeAll
    static void infrastructure() {
        broker = TestInfrastructure.startKafka(3);
        dataSource = StoreFixture.dataSource();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void schema() throws SQLException {
        schema = StoreFixture.migratedSchema(dataSource);
        writer = new OutboxWriter(events, schema);
        tap = EventTap.fromNow(broker.bootstrapServers(), TOPIC);
    }

    @AfterEach
    void close() {
        relays.forEach(OutboxRelay::close);
        producers.forEach(KafkaProducer::close);
        tap.close();
    }

    @Test
    void eventsOfOneKeyArriveInTheOrderTheyWereWritten() throws Exception {
        List<Envelope> written = new ArrayList<>();
        for (int generation = 1; generation <= 12; generation++) {
            for (String vm : List.of("a", "b", "c", "d", "e")) {
                written.add(addCommitted(vm, generation));
            }
        }
        OutboxRelay relay = relay(7, () -> {});

        int relayed = 0;
        for (int batch; (batch = relay.relayOnce()) > 0; ) {
            assertThat(batch).isLessThanOrEqualTo(7);
            relayed += batch;
        }

        assertThat(relayed).isEqualTo(60);
        assertThat(relay.pending()).isZero();
        List<Decoded.Event> received = tap.readUntilCount(ours(), 60, READ_BOUND);
        assertThat(generationsByKey(received)).allSatisfy((vm, generations) -> assertThat(generations)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L));
        assertThat(eventIds(received)).containsExactlyInAnyOrderElementsOf(eventIds(written));
        assertThat(registry.get("ballast.outbox.relay").timer().count()).isEqualTo(60);
        assertThat(registry.get("ballast.outbox.pending").gauge().value()).isZero();
    }

    @Test
    void aRelayKilledBetweenSendAndDeleteLeavesItsRowsAndTheNextSendsThemAgainWithTheSameIds() throws Exception {
        List<Envelope> written = new ArrayList<>();
        for (int generation = 1; generation <= 5; generation++) {
            written.add(addCommitted("a", generation));
            written.add(addCommitted("b", generation));
        }
        OutboxRelay killed = relay(100, () -> {
            throw new IllegalStateException("killed after the broker acknowledged");
        });

        assertThatThrownBy(killed::relayOnce).hasMessage("killed after the broker acknowledged");
        assertThat(killed.pending()).isEqualTo(10);

        OutboxRelay next = relay(100, () -> {});
        assertThat(next.relayOnce()).isEqualTo(10);
        assertThat(next.pending()).isZero();

        List<Decoded.Event> received = tap.readUntilCount(ours(), 20, READ_BOUND);
        assertThat(eventIds(received).stream().collect(Collectors.groupingBy(id -> id, Collectors.counting())))
                .hasSize(10)
                .allSatisfy((id, copies) -> assertThat(copies).isEqualTo(2))
                .containsOnlyKeys(eventIds(written));
        assertThat(generationsByKey(received)).allSatisfy((vm, generations) -> assertThat(generations)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 1L, 2L, 3L, 4L, 5L));
    }

    @Test
    void anEventTheBrokerRefusesForGoodIsParkedAndTheEventsAfterItStillGo() throws Exception {
        addCommitted("a", 1);
        String huge = "x".repeat(2 << 20); // over the producer's 1 MiB request limit: refused however often it is sent
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            writer.add(
                    connection,
                    TOPIC,
                    key("a"),
                    command("a", 2).toBuilder().setMountPoint(huge).build());
            connection.commit();
        }
        addCommitted("a", 3);
        OutboxRelay relay = relay(100, () -> {});

        assertThat(relay.relayOnce()).isEqualTo(3);

        assertThat(relay.pending()).isZero();
        assertThat(generationsByKey(tap.readUntilCount(ours(), 2, READ_BOUND)))
                .allSatisfy((vm, generations) -> assertThat(generations).containsExactly(1L, 3L));
        try (Connection connection = dataSource.getConnection();
                var statement = connection.createStatement();
                var parked = statement.executeQuery("SELECT reason FROM " + schema.table(StoreSchema.OUTBOX_PARKED))) {
            assertThat(parked.next()).isTrue();
            assertThat(parked.getString(1)).startsWith("RecordTooLargeException");
            assertThat(parked.next()).isFalse();
        }
        assertThat(registry.get("ballast.outbox.parked").counter().count()).isEqualTo(1);
    }

    @Test
    void twoRelaysOnOneDatabaseNeitherReorderNorDoubleEvents() throws Exception {
        OutboxRelay first = relay(5, () -> {});
        OutboxRelay second = relay(5, () -> {});
        first.start();
        second.start();

        List<Envelope> written = new ArrayList<>();
        for (int generation = 1; generation <= 50; generation++) {
            for (String vm : List.of("a", "b", "c", "d")) {
                written.add(addCommitted(vm, generation));
                if (written.size() % 20 == 0) {
                    (written.size() % 40 == 0 ? first : second).wake();
                }
            }
        }

        await().atMost(READ_BOUND).until(() -> first.pending() == 0);
        List<Decoded.Event> received = tap.readUntilCount(ours(), 200, READ_BOUND);
        assertThat(eventIds(received)).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(eventIds(written));
        List<Long> inOrder = new ArrayList<>();
        for (long generation = 1; generation <= 50; generation++) {
            inOrder.add(generation);
        }
        assertThat(generationsByKey(received)).hasSize(4).allSatisfy((vm, generations) -> assertThat(generations)
                .isEqualTo(inOrder));
        // Every acknowledged event was on the topic before its row went; no copy comes later.
        assertThatThrownBy(() -> tap.readUntilCount(ours(), 201, Duration.ofSeconds(2)))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void aRolledBackTransactionLeavesNoOutboxRow() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            writer.add(connection, TOPIC, key("a"), command("a", 1));
            connection.rollback();
        }
        OutboxRelay relay = relay(10, () -> {});

        assertThat(relay.pending()).isZero();
        assertThat(relay.relayOnce()).isZero();
    }

    @Test
    void anEventItsTopicDoesNotCarryIsRefusedAndNothingIsWritten() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            assertThatThrownBy(() -> writer.add(connection, Topic.ALERTS, keyPrefix + "a", command("a", 1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(relay(10, () -> {}).pending()).isZero();
    }

    private Envelope addCommitted(String vm, long generation) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            Envelope envelope = writer.add(connection, TOPIC, key(vm), command(vm, generation));
            connection.commit();
            return envelope;
        }
    }

    /** The record key of {@link #command}'s VM and disk. */
    private String key(String vm) {
        return Topic.vmDiskKey(keyPrefix + vm, "disk-" + vm);
    }

    private SetBallastSize command(String vm, long generation) {
        return SetBallastSize.newBuilder()
                .setVmId(keyPrefix + vm)
                .setDiskId("disk-" + vm)
                .setMountPoint("/")
                .setGeneration(generation)
                .setTargetBytes(generation << 30)
                .build();
    }

    private OutboxRelay relay(int batchSize, Runnable beforeDelete) {
        Map<String, Object> settings = new HashMap<>(OutboxRelay.producerSettings());
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings);
        producers.add(producer);
        OutboxRelay relay = new OutboxRelay(
                dataSource,
                schema,
                events,
                producer,
                new OutboxRelay.Settings(
                        batchSize, Duration.ofMillis(20), Duration.ofSeconds(30), Duration.ofMillis(100)),
                relays.isEmpty() ? registry : new SimpleMeterRegistry(),
                beforeDelete);
        relays.add(relay);
        return relay;
    }

    private Predicate<Decoded.Event> ours() {
        return event -> event.envelope().getSubjectId().startsWith(keyPrefix);
    }

    /** Each key's generations in the order the events arrived. */
    private Map<String, List<Long>> generationsByKey(List<Decoded.Event> received) {
        Map<String, List<Long>> byKey = new LinkedHashMap<>();
        for (Decoded.Event event : received) {
            if (ours().test(event)) {
                byKey.computeIfAbsent(event.envelope().getSubjectId(), key -> new ArrayList<>())
                        .add(((SetBallastSize) event.payload()).getGeneration());
            }
        }
        return byKey;
    }

    private List<String> eventIds(List<?> eventsOrEnvelopes) {
        List<String> ids = new ArrayList<>();
        for (Object item : eventsOrEnvelopes) {
            if (item instanceof Envelope envelope) {
                ids.add(envelope.getEventId());
            } else if (item instanceof Decoded.Event event && ours().test(event)) {
                ids.add(event.envelope().getEventId());
            }
        }
        return ids;
    }
}
