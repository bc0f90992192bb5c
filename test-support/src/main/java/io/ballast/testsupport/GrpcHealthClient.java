package io.ballast.testsupport;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A plain grpc-java client of a service's {@code grpc.health.v1.Health}, over a real plain-text channel. */
public final class GrpcHealthClient implements AutoCloseable {

    private final ManagedChannel channel;

    private GrpcHealthClient(ManagedChannel channel) {
        this.channel = channel;
    }

    public static GrpcHealthClient connect(int port) {
        return new GrpcHealthClient(ManagedChannelBuilder.forAddress("localhost", port)
                .usePlaintext()
                .build());
    }

    /** The status {@code Check} answers for {@code service} ("" for the server as a whole). */
    public ServingStatus check(String service) {
        return HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(15, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus();
    }

    /** Starts a {@code Watch} of the whole server; the returned list fills with each status it reports. */
    public List<ServingStatus> watch() {
        List<ServingStatus> statuses = new CopyOnWriteArrayList<>();
        HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().build(), new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse response) {
                statuses.add(response.getStatus());
            }

            @Override
            public void onError(Throwable error) {
                // The watch ends with the channel; the statuses seen so far stay.
            }

            @Override
            public void onCompleted() {}
        });
        return statuses;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
