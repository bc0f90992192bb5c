package io.ballast.reservation.budget.rest;

import static io.ballast.reservation.budget.rest.ServiceFleet.GIB;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.worker.v1.ReclaimJob;
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
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Worked example 2 of the design through the service: inventory and the agents' reports on the real broker, the
 * growth request over REST, the decisions kept in the real PostgreSQL and sent through the outbox.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
class GrowthOverRestTest {

    @InjectKafkaBroker
    Broker broker;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aGrowthThatNeedsAnotherDisksSpaceWaitsForItsInflateAndReclaimThenDeflates() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-2", 100 * GIB);
            fleet.datastore("ds-2-spare", 500 * GIB);
            fleet.profile("roomy", 0.1, 0.8, 50);
            fleet.vmWithDisk("vm-a", "disk-a", "ds-2", 100 * GIB, "roomy");
            fleet.vmWithDisk("vm-b", "disk-b", "ds-2", 100 * GIB, "roomy");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-2") == 2);
            fleet.report("vm-a", "disk-a", 10 * GIB);
            fleet.report("vm-b", "disk-b", 10 * GIB);

            // Two 100 GB disks on 100 GB: each gets a 50 GB ballast, counted once acknowledged and reclaimed.
            inflateAndReclaim(fleet, "vm-a", "disk-a", 50 * GIB);
            inflateAndReclaim(fleet, "vm-b", "disk-b", 50 * GIB);
            await().atMost(ServiceFleet.WAIT).until(() -> datastore("ds-2").getLong("headroomBytes") == 0);
            JsonPath before = datastore("ds-2");
            assertThat(before.getLong("worstCaseDemandBytes")).isEqualTo(100 * GIB);
            assertThat(before.getBoolean("invariantHolds")).isTrue();

            // B asks for 30 GB more: pending while A's ballast grows by 30 GB and the worker punches it.
            JsonPath pending = growth("disk-b", "g-2", 30 * GIB, 202);
            assertThat(pending.getString("state")).isEqualTo("PENDING");
            SetBallastSize inflate = fleet.nextCommand("disk-a");
            assertThat(inflate.getTargetBytes()).isEqualTo(80 * GIB);
            fleet.apply("vm-a", "disk-a", inflate);
            ReclaimJob job = fleet.nextJob("disk-a");
            assertThat(job.getImagePath()).isEqualTo("/datastores/ds-2/disk-a.img");
            JsonPath during = datastore("ds-2");
            assertThat(during.getBoolean("invariantHolds")).isTrue();
            assertThat(given().auth()
                            .oauth2(Tokens.token(Roles.VIEWER))
                            .get("/api/v1/growth/g-2")
                            .then()
                            .statusCode(200)
                            .extract()
                            .path("state")
                            .toString())
                    .as("nothing given before A's space is punched")
                    .isEqualTo("PENDING");

            fleet.finish(job);
            SetBallastSize deflate = fleet.nextCommand("disk-b");
            assertThat(deflate.getTargetBytes()).isEqualTo(20 * GIB);
            await().atMost(ServiceFleet.WAIT).until(() -> "GRANTED"
                    .equals(given().auth()
                            .oauth2(Tokens.token(Roles.VIEWER))
                            .get("/api/v1/growth/g-2")
                            .then()
                            .extract()
                            .path("state")));
            fleet.apply("vm-b", "disk-b", deflate);
            await().atMost(ServiceFleet.WAIT)
                    .until(() -> disk("disk-b").getString("state").equals("STEADY"));
            JsonPath after = datastore("ds-2");
            assertThat(after.getBoolean("invariantHolds")).isTrue();
            assertThat(disk("disk-b").getLong("effectiveBytes")).isEqualTo(80 * GIB);

            // A growth that even A at its minimum cannot give: refused with the migration that would make room.
            long ledgerBefore = count("reservation.ledger");
            JsonPath refused = growth("disk-b", "g-3", 19 * GIB, 409);
            assertThat(refused.getString("state")).isEqualTo("REFUSED");
            assertThat(refused.getString("recommendation.toDatastoreId")).isEqualTo("ds-2-spare");
            assertThat(count("reservation.ledger")).isEqualTo(ledgerBefore);
            assertThat(datastore("ds-2").getBoolean("invariantHolds")).isTrue();
        }
    }

    private static void inflateAndReclaim(ServiceFleet fleet, String vm, String disk, long ballastBytes) {
        SetBallastSize command = fleet.nextCommand(disk, ballastBytes);
        fleet.apply(vm, disk, command);
        fleet.finish(fleet.nextJob(disk));
        fleet.report(vm, disk);
    }

    private static JsonPath growth(String disk, String growthId, long bytes, int status) {
        return given().auth()
                .oauth2(Tokens.token(Roles.ORCHESTRATOR))
                .contentType(ContentType.JSON)
                .body(Map.of("growthId", growthId, "additionalBytes", bytes))
                .post("/api/v1/disks/{id}/growth", disk)
                .then()
                .statusCode(status)
                .extract()
                .jsonPath();
    }

    static JsonPath datastore(String id) {
        return given().auth()
                .oauth2(Tokens.token(Roles.VIEWER))
                .get("/api/v1/datastores/{id}", id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    static JsonPath disk(String id) {
        return given().auth()
                .oauth2(Tokens.token(Roles.VIEWER))
                .get("/api/v1/disks/{id}", id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    static int disks(String datastore) {
        var response =
                given().auth().oauth2(Tokens.token(Roles.VIEWER)).get("/api/v1/datastores/{id}/disks", datastore);
        return response.statusCode() == 200
                ? response.jsonPath().getList("disks").size()
                : 0;
    }

    private long count(String table) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    static final Duration SETTLE = Duration.ofSeconds(1);
}
