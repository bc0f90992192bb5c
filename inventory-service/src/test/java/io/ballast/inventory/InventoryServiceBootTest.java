package io.ballast.inventory;

import io.agroal.api.AgroalDataSource;
import io.ballast.proto.events.Topic;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
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
