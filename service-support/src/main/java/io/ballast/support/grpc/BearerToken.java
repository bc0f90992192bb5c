package io.ballast.support.grpc;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A bearer token on every call of a gRPC stub ({@code stub.withCallCredentials(BearerToken.of(...))}), the way the
 * services' REST and gRPC interfaces take it: {@code authorization: Bearer <token>}. The token is asked for at each
 * call, so one replaced on disk (a renewed service token) is used from the next call on.
 */
public final class BearerToken extends CallCredentials {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Supplier<String> token;

    private BearerToken(Supplier<String> token) {
        this.token = token;
    }

    /** Credentials carrying what {@code token} gives at each call (a token, without {@code Bearer }). */
    public static BearerToken of(Supplier<String> token) {
        return new BearerToken(token);
    }

    @Override
    public void applyRequestMetadata(RequestInfo request, Executor executor, MetadataApplier applier) {
        executor.execute(() -> {
            try {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, "Bearer " + token.get().strip());
                applier.apply(headers);
            } catch (RuntimeException e) {
                applier.fail(Status.UNAUTHENTICATED
                        .withDescription("no bearer token to call with: " + e.getMessage())
                        .withCause(e));
            }
        });
    }
}
