package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.proto.events.Topic;
import java.io.StringReader;
import java.util.Arrays;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The topics of deploy/kafka: every topic of the event catalogue, and nothing else, with sound definitions. */
class KafkaTopicsTest {

    @Test
    void everyTopicOfTheCatalogueIsDefinedOnceAndNothingElse() {
        assertThat(KafkaTopics.all())
                .extracting(KafkaTopics.Definition::name)
                .containsExactlyInAnyOrderElementsOf(
                        Arrays.stream(Topic.values()).map(Topic::topicName).toList());
    }

    @Test
    void theCommandAndAckTopicsKeepTheNewestRecordPerKeyAndTheOthersExpireOrStay() {
        for (KafkaTopics.Definition topic : KafkaTopics.all()) {
            String policy = topic.configs().get("cleanup.policy");
            if (topic.name().equals(Topic.BALLAST_COMMANDS.topicName())
                    || topic.name().equals(Topic.BALLAST_ACKS.topicName())) {
                assertThat(policy).as(topic.name()).isEqualTo("compact");
            } else {
                assertThat(policy).as(topic.name()).isEqualTo("delete");
                assertThat(topic.configs()).as(topic.name()).containsKey("retention.ms");
            }
            assertThat(topic.replicationFactor()).as(topic.name()).isGreaterThanOrEqualTo((short) 3);
        }
    }

    @Test
    void onOneBrokerATopicHasOneReplicaAndNoInSyncMinimumAboveIt() {
        KafkaTopics.Definition commands = KafkaTopics.all().stream()
                .filter(topic -> topic.name().equals(Topic.BALLAST_COMMANDS.topicName()))
                .findFirst()
                .orElseThrow();
        KafkaTopics.Definition local = commands.on(1, 2);
        assertThat(local.partitions()).isEqualTo(2);
        assertThat(local.replicationFactor()).isEqualTo((short) 1);
        assertThat(local.configs()).doesNotContainKey("min.insync.replicas").containsEntry("cleanup.policy", "compact");
        assertThat(commands.on(5, 6).configs()).containsEntry("min.insync.replicas", "2");
    }

    @Test
    void aDefinitionThatIsNotOneIsRefusedByName() {
        assertThatThrownBy(() -> KafkaTopics.parse(properties("t.partitions=6\nt.replicas=3\n")))
                .hasMessageContaining("'t.replicas' is not TOPIC.partitions");
        assertThatThrownBy(() -> KafkaTopics.parse(properties("t.partitions=six\nt.replication-factor=3\n")))
                .hasMessageContaining("t.partitions is not a whole number: 'six'");
        assertThatThrownBy(() -> KafkaTopics.parse(properties("t.partitions=6\nt.config.cleanup.policy=compact\n")))
                .hasMessageContaining("topic t needs both t.partitions and t.replication-factor");
        assertThatThrownBy(() -> KafkaTopics.parse(properties("t.partitions=0\nt.replication-factor=3\n")))
                .hasMessageContaining("at least one partition");
    }

    private static Properties properties(String text) throws Exception {
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        return properties;
    }
}
