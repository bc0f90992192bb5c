package io.ballast.testsupport;

import io.ballast.support.grpc.BearerToken;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import java.util.concurrent.TimeUnit;

/**
 * A plaintext gRPC channel to a service under test, and stubs on it that carry a test bearer token of a role, the
 * way a caller with that role reaches the service.
 */
public final class GrpcTestChannel implements AutoCloseable {

    private final ManagedChannel channel;

    private GrpcTestChannel(ManagedChannel channel) {
        this.channel = channel;
    }

    /** A channel to {@code localhost:port}. */
    public static GrpcTestChannel to(int port) {
        return new GrpcTestChannel(ManagedChannelBuilder.forAddress("localhost", port)
                .usePlaintext()
                .build());
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** {@code stub} calling with a fresh token of {@code role} ({@link Tokens}). */
    public static <S extends AbstractStub<S>> S as(S stub, String role) {
        return stub.withCallCredentials(BearerToken.of(() -> Tokens.token(role)));
    }

    /** The status a call ended with: {@code OK}, or the code it was refused with. */
    public static Status.Code status(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
