package io.ballast.reservation.budget.rest;

import static io.ballast.reservation.budget.rest.GrowthOverRestTest.datastore;
import static io.ballast.reservation.budget.rest.GrowthOverRestTest.disk;
import static io.ballast.reservation.budget.rest.GrowthOverRestTest.disks;
import static io.ballast.reservation.budget.rest.ServiceFleet.GIB;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Worked examples 1, 3, 4 and 5 of the design through the service (example 2 is {@link GrowthOverRestTest}): inventory
 * and the agents' and worker's answers on the broker, requests and results over REST.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
class WorkedExamplesOverRestTest {

    @InjectKafkaBroker
    Broker broker;

    @Test
    void example1TenDisksOfTenGigabytesWithTwoUsedGetSixGigabyteBallastsOnFiftyGigabytes() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-e1", 50 * GIB);
            fleet.profile("half-free", 0.5, 0.5, 50);
            Map<String, String> vmByDisk = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                fleet.vmWithDisk("vm-e1-" + i, "e1-d" + i, "ds-e1", 10 * GIB, "half-free");
                vmByDisk.put("e1-d" + i, "vm-e1-" + i);
            }
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-e1") == 10);
            vmByDisk.forEach((disk, vm) -> fleet.report(vm, disk, 2 * GIB));

            settle(fleet, vmByDisk, "ds-e1");

            for (String disk : vmByDisk.keySet()) {
                JsonPath view = disk(disk);
                assertThat(view.getLong("ballasts[0].appliedBytes")).isEqualTo(6 * GIB);
                assertThat(view.getLong("effectiveBytes")).isEqualTo(4 * GIB);
                assertThat(view.getLong("unreclaimedBytes")).isZero();
            }
            JsonPath terms = datastore("ds-e1");
            assertThat(terms.getLong("worstCaseDemandBytes")).isEqualTo(40 * GIB);
            assertThat(terms.getLong("headroomBytes")).isEqualTo(10 * GIB);
            assertThat(terms.getBoolean("invariantHolds")).isTrue();
        }
    }

    @Test
    void example3ATenGigabyteDiskWithAFourGigabyteBallastDeflatedByTwoHasEightEffective() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-e3", 40 * GIB);
            // a guest using 2 GB that wants two thirds of its filesystem free: 6 GB effective, a 4 GB ballast
            fleet.profile("third-used", 0.5, 2.0 / 3, 50);
            fleet.vmWithDisk("vm-e3", "e3-d", "ds-e3", 10 * GIB, "third-used");
            Map<String, String> vmByDisk = Map.of("e3-d", "vm-e3");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-e3") == 1);
            fleet.report("vm-e3", "e3-d", 2 * GIB);
            settle(fleet, vmByDisk, "ds-e3");
            assertThat(disk("e3-d").getLong("ballasts[0].appliedBytes")).isEqualTo(4 * GIB);
            assertThat(disk("e3-d").getLong("effectiveBytes")).isEqualTo(6 * GIB);

            JsonPath growth = given().auth()
                    .oauth2(Tokens.token(Roles.ORCHESTRATOR))
                    .contentType(ContentType.JSON)
                    .body(Map.of("growthId", "e3-g", "additionalBytes", 2 * GIB))
                    .post("/api/v1/disks/e3-d/growth")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(growth.getString("state")).isEqualTo("GRANTED");
            assertThat(disk("e3-d").getLong("effectiveBytes"))
                    .as("a deflate counts the moment it is sent")
                    .isEqualTo(8 * GIB);
            settle(fleet, vmByDisk, "ds-e3");
            assertThat(disk("e3-d").getLong("ballasts[0].appliedBytes")).isEqualTo(2 * GIB);
            assertThat(disk("e3-d").getLong("effectiveBytes")).isEqualTo(8 * GIB);
        }
    }

    @Test
    void example4AVmUsingFourOfTenGigabytesIsBoundedByASixGigabyteBallastToFitFourGigabytes() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-e4", 100 * GIB);
            fleet.vmWithDisk("vm-e4", "e4-d", "ds-e4", 10 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-e4") == 1);
            fleet.report("vm-e4", "e4-d", 4 * GIB);
            await().atMost(ServiceFleet.WAIT).until(() -> disk("e4-d").getBoolean("agentOnline"));

            JsonPath bound = given().auth()
                    .oauth2(Tokens.token(Roles.ORCHESTRATOR))
                    .contentType(ContentType.JSON)
                    .body(Map.of("bytes", 4 * GIB))
                    .post("/api/v1/vms/vm-e4/export-bound")
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(bound.getLong("ballastBytes.e4-d")).isEqualTo(6 * GIB);
            settle(fleet, Map.of("e4-d", "vm-e4"), "ds-e4");
            assertThat(disk("e4-d").getLong("ballasts[0].appliedBytes")).isEqualTo(6 * GIB);
            assertThat(disk("e4-d").getLong("effectiveBytes")).isEqualTo(4 * GIB);
        }
    }

    @Test
    void example5FiveDisksOfOneHundredGigabytesBoundedWithSixtyGigabyteBallastsFitTwoHundred() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-e5", 200 * GIB);
            Map<String, String> vmByDisk = new HashMap<>();
            for (int i = 0; i < 5; i++) {
                fleet.vmWithDisk("vm-e5-" + i, "e5-d" + i, "ds-e5", 100 * GIB, "");
                vmByDisk.put("e5-d" + i, "vm-e5-" + i);
            }
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-e5") == 5);
            vmByDisk.forEach((disk, vm) -> fleet.report(vm, disk, GIB));
            await().atMost(ServiceFleet.WAIT)
                    .until(() -> vmByDisk.keySet().stream().allMatch(d -> disk(d).getBoolean("agentOnline")));
            vmByDisk.keySet().forEach(disk -> override(disk, 60 * GIB));

            settle(fleet, vmByDisk, "ds-e5");

            for (String disk : vmByDisk.keySet()) {
                assertThat(disk(disk).getLong("worstCaseDemandBytes")).isEqualTo(40 * GIB);
            }
            assertThat(datastore("ds-e5").getLong("worstCaseDemandBytes")).isEqualTo(200 * GIB);
            assertThat(datastore("ds-e5").getBoolean("invariantHolds")).isTrue();
        }
    }

    /** Answers commands and jobs until the datastore is at rest; its invariant holds at every look. */
    private static void settle(ServiceFleet fleet, Map<String, String> vmByDisk, String datastore) {
        fleet.settle(vmByDisk);
        await().atMost(ServiceFleet.WAIT).until(() -> vmByDisk.keySet().stream()
                .allMatch(d -> disk(d).getString("state").equals("STEADY")));
        assertThat(datastore(datastore).getLong("holdBytes")).isZero();
    }

    private static void override(String disk, Long ballastBytes) {
        Map<String, Object> body = new HashMap<>();
        body.put("ballastBytes", ballastBytes);
        given().auth()
                .oauth2(Tokens.token(Roles.OPERATOR))
                .contentType(ContentType.JSON)
                .body(body)
                .put("/api/v1/disks/{id}/ballast", disk)
                .then()
                .statusCode(200);
    }
}
