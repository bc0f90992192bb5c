package io.ballast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.testsupport.PrometheusText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * A packaged service's REST API as one caller sees it: its base ({@code http://localhost:PORT/api/v1/}) and the bearer
 * token it sends, which carries the caller's role. Paths are relative to the base ({@code "vms?limit=100"}). A call
 * that does not answer as expected fails with an {@link IllegalStateException} naming the request and the answer.
 */
public final class ServiceApi {

    /** How long one call may take. */
    public static final Duration CALL_BOUND = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** Calls under {@code base} with {@code token} ({@code Authorization: Bearer TOKEN}). */
    public ServiceApi(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** The base every path is resolved against. */
    public URI base() {
        return base;
    }

    /** The bearer token every call carries, for a load generator that sends the same header. */
    public String token() {
        return token;
    }

    /** The JSON of a GET of {@code path}; empty when it is not there (404). */
    public Optional<JsonNode> get(String path) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(CALL_BOUND)
                .header("Authorization", "Bearer " + token)
                .GET()
                .build());
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return Optional.of(json(response, "GET " + path));
    }

    /** A POST of {@code json} to {@code path}, to be {@link #send sent} (and timed) by the caller. */
    public HttpRequest postRequest(String path, String json) {
        return postRequest(path, json, CALL_BOUND);
    }

    private HttpRequest postRequest(String path, String json, Duration bound) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(bound)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    /**
     * The JSON a POST of {@code json} to {@code path} answered, which must be 200 or 201 within {@code bound} (a call
     * whose work grows with the fleet may take longer than {@link #CALL_BOUND}).
     */
    public JsonNode post(String path, String json, Duration bound) {
        HttpResponse<String> response = send(postRequest(path, json, bound));
        if (response.statusCode() != 200 && response.statusCode() != 201) {
            throw new IllegalStateException(
                    "POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return json(response, "POST " + path);
    }

    /** Sends {@code request} and reads the whole answer. */
    public HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(request.method() + " " + request.uri() + " was interrupted", e);
        }
    }

    /** The service's Prometheus metrics ({@code /q/metrics}, open to all). */
    public PrometheusText metrics() {
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("/q/metrics"))
                .timeout(CALL_BOUND)
                .GET()
                .build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/q/metrics answered " + response.statusCode());
        }
        return PrometheusText.parse(response.body());
    }

    /**
     * Checks {@code condition} every 250 ms until it holds.
     *
     * @throws IllegalStateException naming {@code what} when it did not hold within {@code bound}
     */
    public static void await(Duration bound, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "waited " + bound.toSeconds() + " s for " + what + "; the service's log says why");
            }
            Thread.sleep(250);
        }
    }

    private static JsonNode json(HttpResponse<String> response, String call) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(call + " answered no JSON: " + response.body(), e);
        }
    }
}
