package io.ballast.inventory;

import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.ReadinessFollowsKafkaChecks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;

@QuarkusTest
@TestProfile(InventoryReadinessTest.OwnBroker.class)
class InventoryReadinessTest extends ReadinessFollowsKafkaChecks {

    /** A broker of this test's own: it is stopped. */
    public static class OwnBroker implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaResource.class), new TestResourceEntry(PostgresResource.class));
        }
    }
}
