package io.ballast.inventory;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.ballast.support.rest.Problem;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Tokens;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.response.Response;

/** The inventory service's REST interface as its tests call it, with a token of the role each call needs. */
public final class Api {

    private Api() {}

    /** A read as a viewer, which must answer 200; decimals read as doubles (RestAssured's default is float). */
    public static JsonPath get(String path, Object... parameters) {
        return given().auth()
                .oauth2(Tokens.token(Roles.VIEWER))
                .get(path, parameters)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
    }

    /** A read as a viewer, whatever it answers. */
    public static Response read(String path, Object... parameters) {
        return given().auth().oauth2(Tokens.token(Roles.VIEWER)).get(path, parameters);
    }

    public static Response post(String path, String role, Object body) {
        return given().auth()
                .oauth2(Tokens.token(role))
                .contentType(ContentType.JSON)
                .body(body)
                .post(path);
    }

    public static Response put(String path, String role, Object body) {
        return given().auth()
                .oauth2(Tokens.token(role))
                .contentType(ContentType.JSON)
                .body(body)
                .put(path);
    }

    public static Response delete(String path, String role) {
        return given().auth().oauth2(Tokens.token(role)).delete(path);
    }

    /** Adds the libvirt host at {@code uri}, which must be reachable, as an operator; answers its id. */
    public static String addHost(String uri) {
        return post("/api/v1/hosts", Roles.OPERATOR, java.util.Map.of("uri", uri))
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getString("id");
    }

    /** Asks for a look at every host now, as an operator. */
    public static JsonPath refresh() {
        return post("/api/v1/discovery/refresh", Roles.OPERATOR, "")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    /**
     * Asserts {@code response} is a problem detail of {@code status} whose type ends in {@code type}; answers its
     * body.
     */
    public static JsonPath problem(Response response, int status, String type) {
        return response.then()
                .statusCode(status)
                .contentType(Problem.MEDIA_TYPE)
                .body("status", equalTo(status))
                .body("type", startsWith(Problem.TYPE_PREFIX + type))
                .extract()
                .jsonPath();
    }
}
