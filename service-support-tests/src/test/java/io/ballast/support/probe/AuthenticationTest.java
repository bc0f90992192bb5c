package io.ballast.support.probe;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.ballast.local.token.TokenMinter;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(TokenResource.class)
class AuthenticationTest {

    private static final String PROBLEM = "application/problem+json";
    private static final String BUDGETS = "/api/v1/probe/budgets";
    private static final String OVERRIDES = "/api/v1/probe/overrides";

    @Test
    void noTokenIs401AsAProblemWithABearerChallenge() {
        given().when()
                .get(BUDGETS)
                .then()
                .statusCode(401)
                .contentType(PROBLEM)
                .header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("urn:ballast:problem:unauthenticated"))
                .body("status", equalTo(401));
    }

    @Test
    void anExpiredTokenOrOneSignedWithAnotherKeyIs401() {
        for (String authorization : new String[] {
            Tokens.expiredBearer(Roles.VIEWER), Tokens.foreignBearer(Roles.VIEWER), "Bearer not-a-token"
        }) {
            given().header("Authorization", authorization)
                    .when()
                    .get(BUDGETS)
                    .then()
                    .statusCode(401)
                    .contentType(PROBLEM)
                    .body("type", equalTo("urn:ballast:problem:unauthenticated"));
        }
    }

    @Test
    void aTokenWithoutTheRoleIs403AndChangesNothing() {
        given().header("Authorization", Tokens.bearer(Roles.VIEWER))
                .when()
                .post(OVERRIDES)
                .then()
                .statusCode(403)
                .contentType(PROBLEM)
                .body("type", equalTo("urn:ballast:problem:forbidden"));
        given().header("Authorization", Tokens.bearer(Roles.ORCHESTRATOR))
                .when()
                .post(OVERRIDES)
                .then()
                .statusCode(403);
    }

    @Test
    void theRightRoleIsServedAndOperatorsAndOrchestratorsMayRead() {
        given().header("Authorization", Tokens.bearer(Roles.OPERATOR))
                .when()
                .post(OVERRIDES)
                .then()
                .statusCode(200)
                .body(equalTo("overridden"));
        for (String role : Roles.ALL) {
            given().header("Authorization", Tokens.bearer(role))
                    .when()
                    .get(BUDGETS)
                    .then()
                    .statusCode(200)
                    .body(equalTo("budgets"));
        }
    }

    @Test
    void healthMetricsAndOpenApiStayOpenEvenToAnExpiredToken() {
        for (String path : new String[] {"/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi"}) {
            given().when().get(path).then().statusCode(200);
            given().header("Authorization", Tokens.expiredBearer(Roles.VIEWER))
                    .when()
                    .get(path)
                    .then()
                    .statusCode(200);
        }
    }

    @Test
    void grpcMethodsHonourTheirRolesWithTheSameBearerToken() throws InterruptedException {
        try (ProbeClient client = new ProbeClient()) {
            assertThat(ProbeClient.statusOf(() -> client.stub(Optional.empty()).read(ProbeClient.kind("")))
                            .getCode())
                    .isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(ProbeClient.statusOf(() -> client.stub(Optional.of(Tokens.expiredBearer(Roles.VIEWER)))
                                    .read(ProbeClient.kind("")))
                            .getCode())
                    .isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(ProbeClient.statusOf(() -> client.stub(Optional.of(Tokens.bearer(Roles.VIEWER)))
                                    .grow(ProbeClient.kind("")))
                            .getCode())
                    .isEqualTo(Status.Code.PERMISSION_DENIED);
            Status grown = ProbeClient.statusOf(() ->
                    client.stub(Optional.of(Tokens.bearer(Roles.ORCHESTRATOR))).grow(ProbeClient.kind("")));
            assertThat(grown.getCode()).isEqualTo(Status.Code.OK);
            assertThat(grown.getDescription()).isEqualTo("grown");
            assertThat(ProbeClient.statusOf(() -> client.stub(Optional.of(Tokens.bearer(Roles.OPERATOR)))
                                    .read(ProbeClient.kind("")))
                            .getDescription())
                    .isEqualTo("read");
        }
    }

    @Test
    void theTokenCommandKnowsTheRolesTheServicesDo() {
        assertThat(TokenMinter.ROLES).isEqualTo(Roles.ALL);
    }
}
