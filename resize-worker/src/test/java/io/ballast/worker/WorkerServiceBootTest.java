package io.ballast.worker;

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
class WorkerServiceBootTest extends ServiceBootChecks {

    @Inject
    AgroalDataSource dataSource;

    WorkerServiceBootTest() {
        super(Topic.WORKER_JOBS, Store.DATABASE);
    }

    @Test
    void flywayMigratedTheWorkerSchemaAtStart() throws SQLException {
        assertSchemaMigrated(dataSource, "worker", "resize-worker");
    }
}
