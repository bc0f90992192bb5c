package io.ballast.support.health;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the service reports its health. */
@ConfigMapping(prefix = "ballast.health")
public interface HealthConfig {

    /** How long the Kafka readiness check waits for the broker to answer before it reports DOWN. */
    @WithDefault("3s")
    Duration kafkaTimeout();

    /** How often a gRPC health watch re-evaluates readiness to report a change. */
    @WithDefault("5s")
    Duration grpcWatchInterval();
}
