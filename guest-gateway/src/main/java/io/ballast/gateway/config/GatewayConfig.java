package io.ballast.gateway.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/** How the gateway serves agent sessions. */
@ConfigMapping(prefix = "ballast.gateway")
public interface GatewayConfig {

    /** How long a delivered command may wait for its acknowledgement before it is sent again (same generation). */
    @WithDefault("10s")
    Duration retryAfter();

    /** How often agents send a heartbeat (told to them in the welcome). */
    @WithDefault("15s")
    Duration heartbeatInterval();

    /** How often the gateway looks for commands due for (re)delivery. */
    @WithDefault("1s")
    Duration deliveryTick();

    /**
     * Directory of the agents' CA and the gateway's certificate ({@code ./ballast certs init}): {@code ca.pem} and
     * {@code gateway.p12}, read by the HTTPS listener agents connect to.
     */
    Path certs();

    /**
     * Name of this gateway instance, unique among the gateways of an installation: its consumer groups read every
     * command, acknowledgement and disk of the inventory.
     */
    String instanceId();
}
