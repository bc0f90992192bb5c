package io.ballast.gateway;

import io.ballast.proto.events.Topic;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(AgentCertificates.class)
class GatewayServiceBootTest extends ServiceBootChecks {

    GatewayServiceBootTest() {
        super(Topic.BALLAST_COMMANDS, Store.NONE);
    }
}
