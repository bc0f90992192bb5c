package io.ballast.gateway;

import io.ballast.testsupport.OwnInfrastructure;
import io.ballast.testsupport.ReadinessFollowsKafkaChecks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(OwnInfrastructure.Broker.class)
class GatewayReadinessTest extends ReadinessFollowsKafkaChecks {}
