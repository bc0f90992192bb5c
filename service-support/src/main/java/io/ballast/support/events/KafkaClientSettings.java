package io.ballast.support.events;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The service's Kafka connection settings ({@code kafka.*}, the {@code default-kafka-broker} bean) narrowed to those a
 * client of one kind knows, for the Kafka clients Ballast makes itself (the readiness check's admin client, the
 * outbox relay's producer): passing the others makes the client log a warning for each.
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {}

    /** The settings of {@code kafkaConfig} named in {@code clientConfigNames} (e.g. {@code ProducerConfig.configNames()}). */
    public static Map<String, Object> of(Map<String, Object> kafkaConfig, Set<String> clientConfigNames) {
        Map<String, Object> settings = new HashMap<>();
        kafkaConfig.forEach((key, value) -> {
            if (clientConfigNames.contains(key)) {
                settings.put(key, value.toString());
            }
        });
        return settings;
    }
}
