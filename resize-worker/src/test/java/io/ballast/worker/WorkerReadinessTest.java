package io.ballast.worker;

import io.ballast.testsupport.OwnInfrastructure;
import io.ballast.testsupport.ReadinessFollowsKafkaChecks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(OwnInfrastructure.BrokerAndDatabase.class)
class WorkerReadinessTest extends ReadinessFollowsKafkaChecks {}
