package io.ballast.inventory.console.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The console's pages and its relay to reservation-service at their edges: pages are served to anyone and hold no
 * figures; the relay needs a valid token before it asks anything, relays only what the pages use, and says so when
 * reservation-service does not answer (in tests its URL is a closed port). The pages with a real reservation-service
 * behind them are tested in a browser by contract-tests' LocalStackTest.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class ConsolePagesTest {

    private static final String RELAY = "/console/reservation/api/v1";

    @Test
    void everyPageIsServedToAnyoneWithItsScriptAndNoFigures() {
        for (String[] page : new String[][] {
            {"/console", "overview"},
            {"/console/sign-in", "sign-in"},
            {"/console/datastores/ds-1", "datastore"},
            {"/console/disks/vm-1-vda", "disk"},
            {"/console/vms", "vms"},
            {"/console/jobs", "jobs"},
            {"/console/alerts", "alerts"}
        }) {
            String html = given().get(page[0])
                    .then()
                    .statusCode(200)
                    .contentType(containsString("text/html"))
                    .extract()
                    .asString();
            assertThat(html)
                    .as(page[0])
                    .contains("data-page=\"" + page[1] + "\"")
                    .contains("/console/assets/console.js")
                    .doesNotContain("Bytes\":");
        }
        given().get("/console/assets/console.js").then().statusCode(200).body(containsString("Authorization"));
        given().get("/console/assets/console.css").then().statusCode(200);
    }

    @Test
    void aPageEscapesWhatItsAddressNames() {
        String html = given().urlEncodingEnabled(true)
                .get("/console/disks/{id}", "<script>alert(1)</script>")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(html).doesNotContain("<script>alert(1)").contains("&lt;script&gt;");
    }

    @Test
    void theRelayAsksNothingWithoutAValidToken() {
        Api.problem(given().get(RELAY + "/datastores"), 401, "unauthenticated");
        Api.problem(
                given().header("Authorization", Tokens.foreignBearer(Roles.OPERATOR))
                        .get(RELAY + "/datastores"),
                401,
                "unauthenticated");
    }

    @Test
    void theRelayRelaysOnlyWhatThePagesUse() {
        Api.problem(Api.post(RELAY + "/placements", Roles.ORCHESTRATOR, "{}"), 404, "not-found");
        Api.problem(Api.put(RELAY + "/datastores/ds-1/policy", Roles.OPERATOR, "{}"), 404, "not-found");
        Api.problem(Api.read(RELAY + "/disks/%2E%2E"), 404, "not-found");
    }

    @Test
    void reservationServiceNotAnsweringIsA503SayingSo() {
        String detail = Api.problem(Api.read(RELAY + "/datastores?limit=5"), 503, "unavailable")
                .getString("detail");
        assertThat(detail).contains("reservation-service").contains("did not answer GET /api/v1/datastores");
    }
}
