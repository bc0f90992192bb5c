package io.ballast.gateway;

import io.ballast.proto.events.Topic;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Set;

@QuarkusTest
@WithTestResource(KafkaResource.class)
class GatewayServiceBootTest extends ServiceBootChecks {

    @Override
    protected Set<String> readinessChecks() {
        return Set.of("Kafka broker", "SmallRye Reactive Messaging - readiness check", "gRPC Server");
    }

    @Override
    protected Topic consumedTopic() {
        return Topic.BALLAST_COMMANDS;
    }
}
