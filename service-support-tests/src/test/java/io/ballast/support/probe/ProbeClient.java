package io.ballast.support.probe;

import io.ballast.support.probe.v1.ProbeRequest;
import io.ballast.support.probe.v1.ProbeResponse;
import io.ballast.support.probe.v1.ProbeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.restassured.RestAssured;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A plain grpc-java client of the probe service on the application's HTTP port (h2c), with or without a token. */
final class ProbeClient implements AutoCloseable {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;

    ProbeClient() {
        channel = ManagedChannelBuilder.forAddress("localhost", RestAssured.port)
                .usePlaintext()
                .build();
    }

    /** A stub sending {@code authorization} (e.g. {@code Bearer TOKEN}) with every call, if present. */
    ProbeServiceGrpc.ProbeServiceBlockingStub stub(Optional<String> authorization) {
        ProbeServiceGrpc.ProbeServiceBlockingStub stub =
                ProbeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        if (authorization.isEmpty()) {
            return stub;
        }
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, authorization.get());
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    static ProbeRequest kind(String kind) {
        return ProbeRequest.newBuilder().setKind(kind).build();
    }

    /** The status a call ended with: OK with its answer as description, or the failure's status. */
    static Status statusOf(java.util.function.Supplier<ProbeResponse> call) {
        try {
            return Status.OK.withDescription(call.get().getAnswer());
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
