package io.ballast.reservation;

import io.agroal.api.AgroalDataSource;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.ballast.testsupport.TokenResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The outbox and inbox of store-support live in this service's schema. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
class StoreTablesTest {

    @Inject
    AgroalDataSource dataSource;

    @Test
    void theOutboxAndInboxAreMigratedIntoTheServicesSchema() throws SQLException {
        ServiceBootChecks.assertOutboxAndInboxMigrated(dataSource, "reservation");
    }
}
