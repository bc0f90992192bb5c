package io.ballast.support.grpc;

import io.ballast.support.errors.Refusal;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.UnauthorizedException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.ConstraintViolationException;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The gRPC error boundary of every Ballast service, the counterpart of the REST one: a {@link Refusal} becomes the
 * status code the contracts promise, with its message as the description.
 *
 * <ul>
 *   <li>NotFound → {@code NOT_FOUND}, InvalidInput and Bean Validation violations → {@code INVALID_ARGUMENT},
 *       FailedPrecondition → {@code FAILED_PRECONDITION}, Aborted → {@code ABORTED}.
 *   <li>A {@link StatusException} or {@link StatusRuntimeException} the service chose itself goes out as it is.
 *   <li>No token or an invalid one → {@code UNAUTHENTICATED} (REST's 401), a token without the role →
 *       {@code PERMISSION_DENIED} (REST's 403).
 *   <li>Anything else → {@code INTERNAL} with a generic description naming an id; the cause is logged once at ERROR
 *       under that id.
 * </ul>
 *
 * Quarkus uses this one bean for exceptions thrown by a service method and for failed {@code Uni}/{@code Multi}
 * results alike, in place of its default provider.
 */
@ApplicationScoped
public class GrpcErrorBoundary implements ExceptionHandlerProvider {

    private static final Logger LOG = Logger.getLogger(GrpcErrorBoundary.class);

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(
            ServerCall.Listener<ReqT> listener, ServerCall<ReqT, RespT> call, Metadata metadata) {
        return new ExceptionHandler<>(listener, call, metadata) {
            @Override
            protected void handleException(Throwable failure, ServerCall<ReqT, RespT> call, Metadata metadata) {
                StatusException status = statusOf(failure);
                // never the request's own headers: they carry the caller's bearer token
                Metadata trailers = status.getTrailers() == null ? new Metadata() : status.getTrailers();
                call.close(status.getStatus(), trailers);
            }
        };
    }

    @Override
    public Throwable transform(Throwable failure) {
        return statusOf(failure);
    }

    /** The status a failure of a service method goes out with. */
    StatusException statusOf(Throwable failure) {
        if (failure instanceof StatusException status) {
            return status;
        }
        if (failure instanceof StatusRuntimeException status) {
            return new StatusException(status.getStatus(), status.getTrailers());
        }
        if (failure instanceof Refusal refusal) {
            return status(refusal).asException();
        }
        if (failure instanceof ConstraintViolationException violation) {
            String description = violation.getConstraintViolations().stream()
                    .map(v -> v.getPropertyPath() + ": " + v.getMessage())
                    .sorted()
                    .collect(Collectors.joining("; "));
            return Status.INVALID_ARGUMENT.withDescription(description).asException();
        }
        if (failure instanceof AuthenticationException || failure instanceof UnauthorizedException) {
            // Quarkus's own handler answers an anonymous caller PERMISSION_DENIED; REST says 401 for it.
            return Status.UNAUTHENTICATED
                    .withDescription("this call needs a valid bearer token (authorization: Bearer ...)")
                    .asException();
        }
        if (failure instanceof SecurityException) {
            return Status.PERMISSION_DENIED
                    .withDescription("the token does not carry a role this call needs")
                    .asException();
        }
        UUID id = UUID.randomUUID();
        LOG.errorf(failure, "internal error id=%s", id);
        return Status.INTERNAL
                .withDescription("the service failed to answer this call; its log names the cause under id " + id)
                .asException();
    }

    /** The status code and description of a refusal, as the contracts promise them. */
    public static Status status(Refusal refusal) {
        Status status =
                switch (refusal) {
                    case Refusal.NotFound notFound -> Status.NOT_FOUND;
                    case Refusal.InvalidInput invalid -> Status.INVALID_ARGUMENT;
                    case Refusal.FailedPrecondition failed -> Status.FAILED_PRECONDITION;
                    case Refusal.Aborted aborted -> Status.ABORTED;
                    case Refusal.Unavailable unavailable -> Status.UNAVAILABLE;
                };
        return status.withDescription(refusal.getMessage());
    }
}
