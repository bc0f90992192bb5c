package io.ballast.inventory.client;

import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.console.ReservationCall;
import io.ballast.support.errors.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * reservation-service's REST API ({@code ballast.inventory.reservation-url}) as the operator console reaches it: each
 * call made with the signed-in user's own bearer token, so reservation-service decides what that user may read and
 * change, exactly as for a call made to it directly. Its answer, refusals included, comes back as it is. (Inventory's
 * own calls for migrations go over gRPC with its own token: {@link ReservationMigrations}.)
 */
@ApplicationScoped
public class ReservationRest {

    /** How long one relayed call may take before reservation-service counts as not answering. */
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    ReservationRest(InventoryConfig config) {
        String url = config.reservationUrl().toString();
        this.base = URI.create(url.endsWith("/") ? url : url + "/");
    }

    /** reservation-service's answer: its status, media type and body, as it sent them. */
    public record Answer(int status, String contentType, byte[] body) {}

    /**
     * Makes {@code call} with {@code rawQuery} (as the browser encoded it; empty for none) and {@code body} (JSON, for
     * calls that carry one), authorized by {@code authorization} (the user's {@code Authorization} header).
     *
     * @throws Refusal.Unavailable when reservation-service cannot be reached or does not answer in time; the calls the
     *     console relays are idempotent (a growth under its id, a pinned ballast), so asking again is safe
     */
    public Answer call(ReservationCall call, Optional<String> rawQuery, String authorization, byte[] body) {
        URI uri = base.resolve(
                "api/v1/" + call.path() + rawQuery.map(q -> "?" + q).orElse(""));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("Authorization", authorization)
                .header("Accept", "application/json");
        if (call.hasBody()) {
            request.header("Content-Type", "application/json")
                    .method(call.method(), HttpRequest.BodyPublishers.ofByteArray(body));
        } else {
            request.method(call.method(), HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse("application/json"),
                    response.body());
        } catch (IOException e) {
            throw new Refusal.Unavailable("reservation-service at " + base + " did not answer " + call.method()
                    + " /api/v1/" + call.path() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Refusal.Unavailable(
                    "interrupted while asking reservation-service " + call.method() + " /api/v1/" + call.path());
        }
    }
}
