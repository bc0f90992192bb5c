package io.ballast.inventory.migration;

import static io.ballast.local.fleet.HostFile.disk;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.local.fleet.HostFile;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hook's calls that inventory answers by itself, before any hold is asked of reservation-service (the whole round
 * is {@code MigrationHookTest} in contract-tests): on the configured fleet, the database VM's image is on the pool
 * both hosts share, the web VM's on host 1's own pool.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class MigrationHookOverRestTest {

    private String host1;
    private String host2;

    @BeforeEach
    void fleet() {
        host1 = await().atMost(Duration.ofSeconds(60))
                .until(() -> Api.read("/api/v1/vms/{id}", ConfiguredFleet.WEB), answer -> answer.statusCode() == 200)
                .jsonPath()
                .getString("hostId");
        host2 = await().atMost(Duration.ofSeconds(60))
                .until(() -> Api.read("/api/v1/vms/{id}", ConfiguredFleet.APP), answer -> answer.statusCode() == 200)
                .jsonPath()
                .getString("hostId");
    }

    @Test
    void aVmOnStorageBothHostsReachHasNothingToHold() {
        String xml =
                HostFile.domainXml("db", ConfiguredFleet.DB, true, disk("vda", "/ds/shared/db.img", "raw", "db-root"));
        JsonPath answer =
                hook("prepare", host2, xml).then().statusCode(200).extract().jsonPath();
        assertThat(answer.getString("result")).isEqualTo("NOTHING_TO_HOLD");
        assertThat(answer.getString("vmId")).isEqualTo(ConfiguredFleet.DB);
        assertThat(answer.getString("migration")).isNull();
        Api.problem(Api.read("/api/v1/vms/{id}/migration", ConfiguredFleet.DB), 404, "not-found");
    }

    @Test
    void aDiskLandingOutsideEveryDatastoreTheTargetReachesIsRefused() {
        String xml = HostFile.domainXml(
                "web", ConfiguredFleet.WEB, true, disk("vda", "/ds/local-1/web.img", "raw", "web-root"));
        JsonPath problem = Api.problem(hook("prepare", host2, xml), 409, "failed-precondition");
        assertThat(problem.getString("detail"))
                .contains("/ds/local-1/web.img")
                .contains(host2)
                .contains("cannot hold");
        Api.problem(Api.read("/api/v1/vms/{id}/migration", ConfiguredFleet.WEB), 404, "not-found");
    }

    @Test
    void aVmInventoryDoesNotKnowIsNotBallastsToHold() {
        String xml = HostFile.domainXml(
                "stranger", "0b000000-0000-0000-0000-0000000000ff", true, disk("vda", "/ds/x.img", "raw", "x"));
        JsonPath answer =
                hook("prepare", host2, xml).then().statusCode(200).extract().jsonPath();
        assertThat(answer.getString("result")).isEqualTo("NOT_MANAGED");
        JsonPath commit =
                hook("commit", host1, xml).then().statusCode(200).extract().jsonPath();
        assertThat(commit.getString("result")).isEqualTo("NO_OPEN_MIGRATION");
    }

    @Test
    void theSourceOrAFailureWithoutAnOpenMigrationChangesNothing() {
        String xml = HostFile.domainXml(
                "web", ConfiguredFleet.WEB, true, disk("vda", "/ds/local-1/web.img", "raw", "web-root"));
        assertThat(hook("commit", host1, xml)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getString("result"))
                .isEqualTo("NO_OPEN_MIGRATION");
        assertThat(hook("abort", host2, xml)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getString("result"))
                .isEqualTo("NO_OPEN_MIGRATION");
    }

    @Test
    void badCallsAreRefusedWithTheReason() {
        String xml =
                HostFile.domainXml("db", ConfiguredFleet.DB, true, disk("vda", "/ds/shared/db.img", "raw", "db-root"));
        Api.problem(hook("prepare", "no-such-host", xml), 404, "not-found");
        assertThat(Api.problem(hook("prepare", host1, xml), 409, "failed-precondition")
                        .getString("detail"))
                .as("inventory records the VM on its target already")
                .contains("already");
        Api.problem(hook("prepare", host2, "<domain><name>x</name>"), 400, "invalid-input");
        Api.problem(hook("prepare", host2, "<domain><name>x</name></domain>"), 400, "invalid-input");
        Api.problem(hook("move", host2, xml), 400, "invalid-input");
        Api.problem(
                given().auth()
                        .oauth2(Tokens.token(Roles.ORCHESTRATOR))
                        .contentType("application/xml")
                        .body(xml)
                        .post("/api/v1/libvirt/qemu-hook/prepare"),
                400,
                "invalid-input");
        given().auth()
                .oauth2(Tokens.token(Roles.VIEWER))
                .contentType("application/xml")
                .body(xml)
                .queryParam("host", host2)
                .post("/api/v1/libvirt/qemu-hook/prepare")
                .then()
                .statusCode(403);
    }

    private static Response hook(String action, String host, String xml) {
        return given().auth()
                .oauth2(Tokens.token(Roles.ORCHESTRATOR))
                .contentType("application/xml")
                .body(xml)
                .queryParam("host", host)
                .post("/api/v1/libvirt/qemu-hook/{action}", action);
    }
}
