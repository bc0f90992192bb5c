package io.ballast.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Function;

/** The REST interface ({@code /api/v1}) of one service instance, called with the test's tokens. */
class RestApi {

    static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: its status and body. */
    record Answer(int status, JsonNode body) {}

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final int port;
    private final Function<String, String> bearer;

    RestApi(int httpPort) {
        this(httpPort, Tokens::bearer);
    }

    /** The service on {@code httpPort}, called with the {@code Authorization} header {@code bearer} gives a role. */
    RestApi(int httpPort, Function<String, String> bearer) {
        this.base = "http://localhost:" + httpPort + "/api/v1";
        this.port = httpPort;
        this.bearer = bearer;
    }

    /** The service's HTTP port. */
    int port() {
        return port;
    }

    /** {@code GET path} as a viewer. */
    Answer get(String path) {
        return call(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", bearer.apply(Roles.VIEWER))
                .GET());
    }

    /** {@code method path} with a JSON body, as {@code role}. */
    Answer send(String method, String path, String role, JsonNode body) {
        return call(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", bearer.apply(role))
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private Answer call(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response =
                    client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
            return new Answer(response.statusCode(), body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The body of an answer that must be {@code status}. */
    static JsonNode expect(Answer answer, int status) {
        if (answer.status() != status) {
            throw new AssertionError("expected " + status + ", got " + answer.status() + ": " + answer.body());
        }
        return answer.body();
    }

    static JsonNode ok(Answer answer) {
        return expect(answer, 200);
    }
}
