package io.ballast.support.grpc;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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

    /**
     * Credentials carrying the token in {@code file}, read at each call. Without a file, or when it cannot be read, the
     * call fails {@code UNAUTHENTICATED} naming {@code setting}, the configuration key that names the file.
     */
    public static BearerToken fromFile(Optional<Path> file, String setting) {
        return of(() -> {
            Path path =
                    file.orElseThrow(() -> new IllegalStateException("no token file is configured: set " + setting));
            try {
                return Files.readString(path);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "could not read the token file " + path + " (" + setting + "): " + e.getMessage(), e);
            }
        });
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
