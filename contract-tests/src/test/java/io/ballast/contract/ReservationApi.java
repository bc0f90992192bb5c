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

/** The REST interface of one reservation-service instance, called with the test's tokens. */
final class ReservationApi {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: its status and body. */
    record Answer(int status, JsonNode body) {}

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    ReservationApi(int httpPort) {
        this.base = "http://localhost:" + httpPort + "/api/v1";
    }

    JsonNode datastore(String id) {
        return ok(get("/datastores/" + id));
    }

    JsonNode disk(String id) {
        return ok(get("/disks/" + id));
    }

    JsonNode growthStatus(String id) {
        return ok(get("/growth/" + id));
    }

    Answer growth(String disk, String growthId, long bytes) {
        return send(
                "POST",
                "/disks/" + disk + "/growth",
                Roles.ORCHESTRATOR,
                JSON.createObjectNode().put("growthId", growthId).put("additionalBytes", bytes));
    }

    Answer prepare(String migrationId, String disk, String toDatastore, int ttlSeconds) {
        var body = JSON.createObjectNode().put("migrationId", migrationId).put("ttlSeconds", ttlSeconds);
        body.putArray("disks").addObject().put("diskId", disk).put("toDatastoreId", toDatastore);
        return send("POST", "/migrations", Roles.ORCHESTRATOR, body);
    }

    Answer commit(String migrationId) {
        return send("POST", "/migrations/" + migrationId + "/commit", Roles.ORCHESTRATOR, JSON.createObjectNode());
    }

    Answer abort(String migrationId) {
        return send("POST", "/migrations/" + migrationId + "/abort", Roles.ORCHESTRATOR, JSON.createObjectNode());
    }

    JsonNode ledger(String query) {
        return ok(get("/ledger?" + query));
    }

    Answer get(String path) {
        return call(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", Tokens.bearer(Roles.VIEWER))
                .GET());
    }

    private Answer send(String method, String path, String role, JsonNode body) {
        return call(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", Tokens.bearer(role))
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

    private static JsonNode ok(Answer answer) {
        if (answer.status() != 200) {
            throw new AssertionError("expected 200, got " + answer.status() + ": " + answer.body());
        }
        return answer.body();
    }
}
