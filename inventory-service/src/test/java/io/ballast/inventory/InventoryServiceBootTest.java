package io.ballast.inventory;

import io.agroal.api.AgroalDataSource;
import io.ballast.proto.events.Topic;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.ballast.testsupport.TokenResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * The service boots with its infrastructure. Its test resources are those of every other {@code @QuarkusTest} here but
 * the readiness test's, so Quarkus starts once for all of them: after a restart, gRPC calls were seen reaching the
 * first instance's services (the classes of the stopped application), which a restart between gRPC tests must not do.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class InventoryServiceBootTest extends ServiceBootChecks {

    @Inject
    AgroalDataSource dataSource;

    InventoryServiceBootTest() {
        super(Topic.GUEST_TELEMETRY, Store.DATABASE);
    }

    @Test
    void flywayMigratedTheInventorySchemaAtStart() throws SQLException {
        assertSchemaMigrated(dataSource, "inventory", "inventory-service");
    }
}
