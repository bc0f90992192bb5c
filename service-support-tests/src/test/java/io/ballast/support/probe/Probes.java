package io.ballast.support.probe;

import io.ballast.support.errors.Refusal;
import io.grpc.Status;
import java.util.List;

/** What the probe endpoints throw for each kind a test asks for. */
final class Probes {

    /** The message of the unexpected failure, which must never reach a client. */
    static final String SECRET = "connection to db-7.internal:5432 refused (password=hunter2)";

    private Probes() {}

    static RuntimeException failure(String kind) {
        return switch (kind) {
            case "not-found" -> new Refusal.NotFound("disk", "d-42");
            case "invalid-input" ->
                new Refusal.InvalidInput(
                        "2 fields are not valid",
                        List.of(
                                new Refusal.FieldError("bytes", "must be positive"),
                                new Refusal.FieldError("disk", "must not be blank")));
            case "failed-precondition" -> new Refusal.FailedPrecondition("migration m-1 was never prepared");
            case "aborted" -> new Refusal.Aborted("datastore ds-1 changed meanwhile; send the request again");
            case "status" ->
                Status.RESOURCE_EXHAUSTED.withDescription("slow down").asRuntimeException();
            default -> new IllegalStateException(SECRET);
        };
    }
}
