package io.ballast.support.store;

import io.agroal.api.AgroalDataSource;
import io.ballast.support.events.Events;
import io.ballast.support.events.KafkaClientSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The service's outbox relay ({@link OutboxRelay}): started with the service (after Flyway made the tables), woken by
 * every commit that wrote into the outbox, stopped before the service's connections close. Its idempotent producer
 * connects with the service's Kafka settings ({@code kafka.*}).
 */
@ApplicationScoped
public class OutboxRelayService {

    private final OutboxRelay relay;
    private final KafkaProducer<String, byte[]> producer;
    private final boolean relaying;

    OutboxRelayService(
            AgroalDataSource dataSource,
            Events events,
            MeterRegistry registry,
            StoreConfig config,
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        StoreSchema schema = new StoreSchema(config.schema());
        Map<String, Object> settings = new HashMap<>(KafkaClientSettings.of(kafkaConfig, ProducerConfig.configNames()));
        settings.putAll(OutboxRelay.producerSettings());
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, "ballast-outbox-relay-" + schema.name());
        // The producer gives up on a record when the relay stops waiting for it; a request may take half of that.
        long sendTimeoutMs = config.outbox().sendTimeout().toMillis();
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) sendTimeoutMs);
        settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) (sendTimeoutMs / 2));
        settings.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        this.relaying = config.outbox().relay();
        this.producer = relaying ? new KafkaProducer<>(settings) : null;
        this.relay = new OutboxRelay(
                dataSource,
                schema,
                events,
                producer,
                new OutboxRelay.Settings(
                        config.outbox().batchSize(),
                        config.outbox().pollInterval(),
                        config.outbox().sendTimeout(),
                        config.outbox().retryBackoff()),
                registry);
    }

    void start(@Observes StartupEvent start) {
        if (relaying) {
            relay.start();
        }
    }

    void stop(@Observes ShutdownEvent stop) {
        relay.close();
        if (producer != null) {
            producer.close();
        }
    }

    /** Makes the relay look at the outbox now. */
    void wake() {
        relay.wake();
    }
}
