package io.ballast.reservation;

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

@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
class ReservationServiceBootTest extends ServiceBootChecks {

    @Inject
    AgroalDataSource dataSource;

    ReservationServiceBootTest() {
        super(Topic.BALLAST_ACKS, Store.DATABASE);
    }

    @Test
    void flywayMigratedTheReservationSchemaAtStart() throws SQLException {
        assertSchemaMigrated(dataSource, "reservation", "reservation-service");
    }
}
