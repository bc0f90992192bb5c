package io.ballast.testsupport;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.List;

/**
 * Test profiles whose application gets infrastructure of its own, for tests that break it (e.g. stop the broker)
 * without touching the other tests' application.
 */
public final class OwnInfrastructure {

    private OwnInfrastructure() {}

    /** A Kafka broker and a database of its own. */
    public static final class BrokerAndDatabase implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KafkaResource.class), new TestResourceEntry(PostgresResource.class));
        }
    }
}
