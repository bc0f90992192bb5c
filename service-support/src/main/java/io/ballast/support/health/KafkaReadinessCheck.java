package io.ballast.support.health;

import io.ballast.support.events.KafkaClientSettings;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness: the Kafka broker answers a describe-cluster request within {@code ballast.health.kafka-timeout}. Unlike
 * a check without a bound, a dead broker makes this DOWN in seconds instead of blocking the probe for a minute.
 */
@Readiness
@ApplicationScoped
public class KafkaReadinessCheck implements HealthCheck {

    static final String NAME = "Kafka broker";

    private final Map<String, Object> kafkaConfig;
    private final HealthConfig healthConfig;
    private Admin admin;

    KafkaReadinessCheck(
            @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig, HealthConfig healthConfig) {
        this.kafkaConfig = kafkaConfig;
        this.healthConfig = healthConfig;
    }

    @Override
    public HealthCheckResponse call() {
        long timeoutMs = healthConfig.kafkaTimeout().toMillis();
        try {
            var nodes = admin().describeCluster(new DescribeClusterOptions().timeoutMs((int) timeoutMs))
                    .nodes()
                    .get(timeoutMs + 500, TimeUnit.MILLISECONDS);
            return HealthCheckResponse.named(NAME)
                    .up()
                    .withData("nodes", nodes.stream().map(Node::toString).collect(Collectors.joining(",")))
                    .build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down("interrupted");
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            return down("no answer from " + kafkaConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + " within "
                    + healthConfig.kafkaTimeout() + ": " + cause.getMessage());
        }
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = KafkaClientSettings.boundedAdmin(kafkaConfig, healthConfig.kafkaTimeout(), "ballast-readiness");
        }
        return admin;
    }

    private static HealthCheckResponse down(String reason) {
        return HealthCheckResponse.named(NAME).down().withData("reason", reason).build();
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
