package io.ballast.support.events;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

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

    /**
     * An admin client on the broker of {@code kafkaConfig} whose every call gives up after {@code timeout}, named
     * {@code clientId}: for checks that must answer in seconds while the broker is away.
     */
    public static Admin boundedAdmin(Map<String, Object> kafkaConfig, Duration timeout, String clientId) {
        Map<String, Object> config = of(kafkaConfig, AdminClientConfig.configNames());
        String timeoutMs = Long.toString(timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        return Admin.create(config);
    }
}
