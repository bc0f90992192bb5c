package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.proto.events.Topic;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
        }
    }
}
