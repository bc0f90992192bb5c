package io.ballast.support.store;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The outbox and inbox of a service with a store. */
@ConfigMapping(prefix = "ballast.store")
public interface StoreConfig {

    /** The service's own schema, which holds the outbox and inbox tables: the one Flyway migrates. */
    @WithDefault("${quarkus.flyway.default-schema}")
    String schema();

    /** The outbox relay. */
    OutboxSettings outbox();

    /** The inbox. */
    InboxSettings inbox();

    /** How the outbox is relayed to Kafka. */
    interface OutboxSettings {

        /** Whether this instance relays (several instances may; one relays at a time). */
        @WithDefault("true")
        boolean relay();

        /** The most events one relay transaction sends. */
        @WithDefault("500")
        int batchSize();

        /** How often an idle relay looks at the outbox; a commit through Outbox wakes it at once. */
        @WithDefault("150ms")
        Duration pollInterval();

        /** How long the relay waits for the broker to acknowledge a batch before it sends it again. */
        @WithDefault("30s")
        Duration sendTimeout();

        /** How long the relay waits after a failed batch. */
        @WithDefault("1s")
        Duration retryBackoff();
    }

    /** How long handled event ids are kept. */
    interface InboxSettings {

        /**
         * How long an event id is remembered: longer than any redelivery can come late (Kafka's retention of the
         * topics it consumes, a relay's backlog).
         */
        @WithDefault("7d")
        Duration retention();

        /** How often ids older than the retention are deleted. */
        @WithDefault("1h")
        Duration purgeInterval();
    }
}
