package io.ballast.support.probe;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.ballast.support.rest.RestErrorBoundary;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.TokenResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(TokenResource.class)
class RestErrorBoundaryTest {

    private static final String PROBLEM = "application/problem+json";

    @ParameterizedTest
    @CsvSource({
        "not-found,           404, urn:ballast:problem:not-found,           Not found,           disk d-42 does not exist",
        "failed-precondition, 409, urn:ballast:problem:failed-precondition, Failed precondition, migration m-1 was never prepared",
        "aborted,             409, urn:ballast:problem:aborted,             Aborted,             datastore ds-1 changed meanwhile; send the request again",
        "invalid-input,       400, urn:ballast:problem:invalid-input,       Invalid input,       2 fields are not valid"
    })
    void eachRefusalIsAProblemWithItsStatus(String kind, int status, String type, String title, String detail) {
        String path = "/api/v1/probe/throw/" + kind;
        given().when()
                .get(path)
                .then()
                .statusCode(status)
                .contentType(PROBLEM)
                .body("type", equalTo(type))
                .body("title", equalTo(title))
                .body("status", equalTo(status))
                .body("detail", equalTo(detail))
                .body("instance", equalTo(path));
    }

    @Test
    void anInvalidInputRefusalListsItsFieldErrors() {
        List<Map<String, String>> errors = given().when()
                .get("/api/v1/probe/throw/invalid-input")
                .then()
                .statusCode(400)
                .extract()
                .jsonPath()
                .getList("errors");

        assertThat(errors)
                .containsExactly(
                        Map.of("field", "bytes", "message", "must be positive"),
                        Map.of("field", "disk", "message", "must not be blank"));
    }

    @Test
    void aRefusalWithoutFieldErrorsHasNoErrorsMember() {
        String body = given().when()
                .get("/api/v1/probe/throw/not-found")
                .then()
                .statusCode(404)
                .extract()
                .asString();

        assertThat(body).doesNotContain("errors");
    }

    @Test
    void violationsOfABodyNameTheFieldsAsTheClientWroteThem() {
        postResize("{\"disk\": \" \", \"bytes\": -1}")
                .statusCode(400)
                .contentType(PROBLEM)
                .body("type", equalTo("urn:ballast:problem:invalid-input"))
                .body("detail", equalTo("2 fields of the request are not valid"))
                .body("errors.field", equalTo(List.of("bytes", "disk")))
                .body("errors.message", equalTo(List.of("must be greater than 0", "must not be blank")));
    }

    @Test
    void aViolationOfAQueryParameterNamesTheParameter() {
        given().when()
                .get("/api/v1/probe/page?limit=1000")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("errors.field", equalTo(List.of("limit")))
                .body("detail", startsWith("limit: "));
    }

    @Test
    void aValidBodyPasses() {
        postResize("{\"disk\": \"d-1\", \"bytes\": 10}").statusCode(200).body("disk", equalTo("d-1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"disk\": \"d-1\", \"bytes\": ", "{\"disk\": \"d-1\", \"bytes\": \"many\"}", "[1, 2]"})
    void aBodyThatIsNotJsonOfTheExpectedShapeIsInvalidInput(String body) {
        postResize(body)
                .statusCode(400)
                .contentType(PROBLEM)
                .body("type", equalTo("urn:ballast:problem:invalid-input"))
                .body("detail", startsWith("the request body is not valid JSON of the expected shape"));
    }

    @Test
    void pathsNothingServesAreNotFoundProblems() {
        for (String path : List.of("/api/v1/nothing-here", "/nowhere", "/q/nothing")) {
            given().when()
                    .get(path)
                    .then()
                    .statusCode(404)
                    .contentType(PROBLEM)
                    .body("type", equalTo("urn:ballast:problem:not-found"))
                    .body("instance", equalTo(path));
        }
    }

    @Test
    void aMethodTheEndpointDoesNotServeIsAProblemWithItsStatus() {
        given().when()
                .delete("/api/v1/probe/resize")
                .then()
                .statusCode(405)
                .contentType(PROBLEM)
                .body("type", equalTo("about:blank"))
                .body("status", equalTo(405));
    }

    @Test
    void anUnexpectedFailureIsA500WithAnIdTheOneErrorLineCarriesAndNothingOfTheCause() {
        Response response;
        List<ErrorLog.Line> lines;
        try (ErrorLog log = ErrorLog.of(RestErrorBoundary.class)) {
            response = given().when().get("/api/v1/probe/throw/crash");
            lines = log.lines();
        }

        response.then()
                .statusCode(500)
                .contentType(PROBLEM)
                .body("type", equalTo("urn:ballast:problem:internal"))
                .body("instance", startsWith("urn:uuid:"));
        String body = response.asString();
        assertThat(body).doesNotContain("hunter2", "IllegalStateException", "at io.ballast");
        String id = response.jsonPath().getString("instance").substring("urn:uuid:".length());
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst().message()).contains("id=" + id, "path=/api/v1/probe/throw/crash");
        assertThat(lines.getFirst().cause())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(Probes.SECRET);
    }

    private static ValidatableResponse postResize(String body) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .when()
                .post("/api/v1/probe/resize")
                .then();
    }
}
