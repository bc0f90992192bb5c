package io.ballast.worker;

import io.ballast.proto.events.Topic;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(KafkaResource.class)
class WorkerServiceBootTest extends ServiceBootChecks {

    WorkerServiceBootTest() {
        super(Topic.WORKER_JOBS, Store.NONE);
    }
}
