package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.SkipReason;
import io.ballast.proto.events.Topic;
import io.ballast.support.events.Events;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.SampleEvents;
import io.ballast.testsupport.TestInfrastructure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every event type of every topic goes through a real broker: encoded by the codec of the service that produces it,
 * decoded by the codec of a service that consumes it, field for field. Bad records on the same topics are counted
 * and skipped, and the consumer goes on to decode what follows them.
 */
class EventRoundTripTest {

    /** Who produces and who consumes each topic, as in the design's topic table. */
    private record Route(Topic topic, String producer, String consumer) {}

    private static final List<Route> ROUTES = List.of(
            new Route(Topic.INVENTORY, "inventory-service", "reservation-service"),
            new Route(Topic.GUEST_TELEMETRY, "guest-gateway", "inventory-service"),
            new Route(Topic.BALLAST_COMMANDS, "reservation-service", "guest-gateway"),
            new Route(Topic.BALLAST_ACKS, "guest-gateway", "reservation-service"),
            new Route(Topic.WORKER_JOBS, "reservation-service", "resize-worker"),
            new Route(Topic.WORKER_PROGRESS, "resize-worker", "inventory-service"),
            new Route(Topic.ALERTS, "reservation-service", "inventory-service"));

    private static Broker broker;

    @BeforeAll
    static void startBroker() {
        broker = TestInfrastructure.startKafka(3);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void routesCoverEveryTopic() {
        assertThat(ROUTES.stream().map(Route::topic)).containsExactlyInAnyOrder(Topic.values());
    }

    @Test
    void everyEventTypeSurvivesTheBrokerFieldForField() throws Exception {
        Map<Topic, Map<TopicPartition, Long>> start = new EnumMap<>(Topic.class);
        for (Route route : ROUTES) {
            start.put(route.topic(), endOffsets(route.topic().topicName()));
        }
        List<Message> sent = new ArrayList<>();
        try (var producer = producer()) {
            for (Route route : ROUTES) {
                Events codec = new Events(route.producer());
                for (String type : route.topic().eventTypes()) {
                    Message event =
                            SampleEvents.populated(route.topic().prototype(type).orElseThrow());
                    sent.add(event);
                    String key = route.topic().keyOf(event).orElse("subject-" + sent.size());
                    producer.send(codec.record(route.topic(), key, event));
                }
            }
        }

        List<Decoded.Event> received = new ArrayList<>();
        for (Route route : ROUTES) {
            Events codec = new Events(route.consumer());
            List<Decoded> decoded =
                    consume(start.get(route.topic()), route.topic().eventTypes().size(), codec);
            for (Decoded item : decoded) {
                assertThat(item).isInstanceOf(Decoded.Event.class);
                Decoded.Event event = (Decoded.Event) item;
                assertThat(event.envelope().getProducer()).isEqualTo(route.producer());
                assertThat(event.envelope().getType())
                        .isEqualTo(event.payload().getDescriptorForType().getFullName());
                received.add(event);
            }
            assertThat(codec.counters().decoded(route.topic()))
                    .isEqualTo(route.topic().eventTypes().size());
        }

        int typeCount = Arrays.stream(Topic.values())
                .mapToInt(t -> t.eventTypes().size())
                .sum();
        assertThat(sent).hasSize(typeCount);
        assertThat(received.stream().map(Decoded.Event::payload)).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void unknownTypesAndCorruptRecordsAreCountedAndSkippedAndTheConsumerGoesOn() throws Exception {
        Topic topic = Topic.BALLAST_ACKS;
        String name = topic.topicName();
        Events gateway = new Events("guest-gateway");
        Message foreign = SampleEvents.populated(Topic.WORKER_JOBS
                .prototype(Topic.WORKER_JOBS.eventTypes().iterator().next())
                .orElseThrow());
        Message valid = SampleEvents.populated(
                topic.prototype(topic.eventTypes().iterator().next()).orElseThrow());
        String key = topic.keyOf(valid).orElseThrow();
        Map<TopicPartition, Long> start = endOffsets(name);
        try (var producer = producer()) {
            for (var record : List.of(
                    new ProducerRecord<>(name, key, "{\"not\":\"protobuf\"}".getBytes(StandardCharsets.UTF_8)),
                    new ProducerRecord<>(name, key, new byte[0]),
                    new ProducerRecord<>(
                            name, key, gateway.envelope(key, foreign).toByteArray()),
                    gateway.record(topic, key, valid))) {
                producer.send(record);
            }
        }

        Events reservation = new Events("reservation-service");
        List<Decoded> decoded = consume(start, 4, reservation);

        assertThat(decoded).hasSize(4);
        assertThat(decoded.subList(0, 3)).allSatisfy(item -> assertThat(item).isInstanceOf(Decoded.Skipped.class));
        assertThat(decoded.stream().filter(Decoded.Skipped.class::isInstance).map(item -> ((Decoded.Skipped) item)
                        .reason()))
                .containsExactly(SkipReason.CORRUPT, SkipReason.CORRUPT, SkipReason.UNKNOWN_TYPE);
        assertThat(decoded.get(3)).isInstanceOfSatisfying(Decoded.Event.class, event -> assertThat(event.payload())
                .isEqualTo(valid));
        assertThat(reservation.counters().skipped(topic, SkipReason.CORRUPT)).isEqualTo(2);
        assertThat(reservation.counters().skipped(topic, SkipReason.UNKNOWN_TYPE))
                .isEqualTo(1);
        assertThat(reservation.counters().decoded(topic)).isEqualTo(1);
    }

    /** A producer for records each test encodes with the codec of the service that produces them. */
    private static EventProducer producer() {
        return EventProducer.connect(broker.bootstrapServers(), "contract-tests");
    }

    /** Where each partition of a topic ends now: what a test produces afterwards starts there. */
    private static Map<TopicPartition, Long> endOffsets(String topicName) {
        try (var consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topicName).stream()
                    .map(info -> new TopicPartition(topicName, info.partition()))
                    .toList();
            return consumer.endOffsets(partitions);
        }
    }

    /** Reads {@code count} records from the given offsets on, in partition order, decoding each. */
    private static List<Decoded> consume(Map<TopicPartition, Long> from, int count, Events codec) {
        List<Decoded> decoded = new ArrayList<>();
        try (var consumer = consumer()) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (decoded.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> decoded.add(codec.decode(record)));
            }
        }
        return decoded;
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
    }
}
