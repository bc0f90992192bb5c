package io.ballast.gateway;

import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.ReadinessFollowsKafkaChecks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;

@QuarkusTest
@TestProfile(GatewayReadinessTest.OwnBroker.class)
class GatewayReadinessTest extends ReadinessFollowsKafkaChecks {

    /** A broker of this test's own (it is stopped), and the agents' certificates every gateway needs. */
    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaResource.class), new TestResourceEntry(AgentCertificates.class));
        }
    }
}
