package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proto.events.Topic;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaBrokerTest {

    @Test
    void aStartedBrokerCarriesRecordsAndHasBallastsTopics() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            broker.createBallastTopics(2);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                var names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                for (Topic topic : Topic.values()) {
                    assertThat(names).contains(topic.topicName());
                }
                var description = admin.describeTopics(List.of(Topic.ALERTS.topicName()))
                        .allTopicNames()
                        .get(10, TimeUnit.SECONDS);
                assertThat(description.get(Topic.ALERTS.topicName()).partitions())
                        .hasSize(2);
                // the configs of deploy/kafka: the command topic compacted, telemetry kept a day
                var resource = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topic.BALLAST_COMMANDS.topicName());
                var telemetry = new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, Topic.GUEST_TELEMETRY.topicName());
                var configs = admin.describeConfigs(List.of(resource, telemetry))
                        .all()
                        .get(10, TimeUnit.SECONDS);
                assertThat(configs.get(resource).get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(configs.get(resource).get("min.insync.replicas").value())
                        .as("no in-sync minimum a single broker cannot meet")
                        .isEqualTo("1");
                assertThat(configs.get(telemetry).get("retention.ms").value()).isEqualTo("86400000");
            }
            // A raw String/String producer and consumer on purpose: this tests the broker itself, below the event
            // codec that test-support's EventProducer and EventTap (which build on this module) add.
            try (var producer = new KafkaProducer<String, String>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
                producer.send(new ProducerRecord<>("probe", "k", "hello")).get(10, TimeUnit.SECONDS);
            }
            try (var consumer = new KafkaConsumer<String, String>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "probe",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
                consumer.subscribe(List.of("probe"));
                String value = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (value == null && System.nanoTime() < deadline) {
                    for (var record : consumer.poll(Duration.ofMillis(200))) {
                        value = record.value();
                    }
                }
                assertThat(value).isEqualTo("hello");
            }
            broker.stop();
            assertThat(broker.isRunning()).isFalse();
            assertThatThrownBy(broker::restart)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("the Kafka broker is stopped; it cannot be restarted");
        }
    }

    @Test
    void aRestartedBrokerKeepsRecordsAndCommittedOffsetsAtTheSameAddress() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start();
                var producer = new KafkaProducer<String, String>(Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            String address = broker.bootstrapServers();
            TopicPartition partition = new TopicPartition("restarted", 0);
            producer.send(new ProducerRecord<>(partition.topic(), "k", "before"))
                    .get(10, TimeUnit.SECONDS);
            try (var consumer = consumer(broker, "resumer")) {
                consumer.subscribe(List.of(partition.topic()));
                assertThat(poll(consumer, 1)).containsExactly("before");
                consumer.commitSync();
            }

            try (Socket connection = connectTo(address)) {
                long started = System.nanoTime();
                broker.restart();
                System.out.printf("the broker restarted in %d ms%n", (System.nanoTime() - started) / 1_000_000);

                assertThat(endOf(connection))
                        .as("a connection made before the restart was cut")
                        .isTrue();
            }
            assertThat(broker.bootstrapServers()).isEqualTo(address);
            assertThat(broker.isRunning()).isTrue();
            producer.send(new ProducerRecord<>(partition.topic(), "k", "after")).get(30, TimeUnit.SECONDS);

            try (var consumer = consumer(broker, "resumer")) {
                assertThat(consumer.committed(Set.of(partition)).get(partition))
                        .extracting(OffsetAndMetadata::offset)
                        .isEqualTo(1L);
                consumer.subscribe(List.of(partition.topic()));
                assertThat(poll(consumer, 1))
                        .as("the group resumes at its committed offset")
                        .containsExactly("after");
            }
            try (var consumer = consumer(broker, "newcomer")) {
                consumer.subscribe(List.of(partition.topic()));
                assertThat(poll(consumer, 2)).containsExactly("before", "after");
            }
        }
    }

    private static KafkaConsumer<String, String> consumer(KafkaBroker broker, String group) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                group,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName()));
    }

    /** The values of the first {@code count} records polled (fewer if they do not come within 30 s). */
    private static List<String> poll(KafkaConsumer<String, String> consumer, int count) {
        List<String> values = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (values.size() < count && System.nanoTime() < deadline) {
            for (var record : consumer.poll(Duration.ofMillis(200))) {
                values.add(record.value());
            }
        }
        return values;
    }

    private static Socket connectTo(String hostAndPort) throws IOException {
        int colon = hostAndPort.lastIndexOf(':');
        Socket socket = new Socket();
        socket.connect(
                new InetSocketAddress(
                        hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1))),
                5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Whether the server closed {@code connection} (a broker keeps an idle one open for minutes). */
    private static boolean endOf(Socket connection) {
        try {
            InputStream in = connection.getInputStream();
            return in.read() == -1;
        } catch (IOException e) {
            return !(e instanceof SocketTimeoutException);
        }
    }
}
