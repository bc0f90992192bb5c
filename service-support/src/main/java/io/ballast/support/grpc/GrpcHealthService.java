package io.ballast.support.grpc;

import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import grpc.health.v1.MutinyHealthGrpc;
import io.ballast.support.health.HealthConfig;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.util.Set;

/**
 * The standard gRPC health service ({@code grpc.health.v1.Health}), answering with the service's readiness: SERVING
 * while every readiness check (database, Kafka, channels) is UP, NOT_SERVING otherwise. Kubernetes gRPC probes and
 * grpc-health-probe use it. The empty service name and {@code grpc.health.v1.Health} are known; any other name
 * answers NOT_FOUND ({@code check}) or SERVICE_UNKNOWN ({@code watch}), as the protocol says.
 */
@GrpcService
public class GrpcHealthService extends MutinyHealthGrpc.HealthImplBase {

    private static final Set<String> KNOWN_SERVICES = Set.of("", "grpc.health.v1.Health");

    /** SERVICE_UNKNOWN of grpc.health.v1; the stubs Quarkus bundles predate it, the wire value is standard. */
    private static final int SERVICE_UNKNOWN = 3;

    private final SmallRyeHealthReporter reporter;
    private final HealthConfig config;

    GrpcHealthService(SmallRyeHealthReporter reporter, HealthConfig config) {
        this.reporter = reporter;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> check(HealthCheckRequest request) {
        if (!KNOWN_SERVICES.contains(request.getService())) {
            return Uni.createFrom()
                    .failure(Status.NOT_FOUND
                            .withDescription("no health status for service '" + request.getService() + "'")
                            .asRuntimeException());
        }
        return readiness();
    }

    @Override
    public Multi<HealthCheckResponse> watch(HealthCheckRequest request) {
        if (!KNOWN_SERVICES.contains(request.getService())) {
            return Multi.createFrom()
                    .item(HealthCheckResponse.newBuilder()
                            .setStatusValue(SERVICE_UNKNOWN)
                            .build());
        }
        return Multi.createFrom()
                .ticks()
                .startingAfter(java.time.Duration.ZERO)
                .every(config.grpcWatchInterval())
                .onItem()
                .transformToUniAndConcatenate(tick -> readiness())
                .skip()
                .repetitions();
    }

    /** Runs the readiness checks on a worker thread: some block (the Kafka check up to its timeout). */
    private Uni<HealthCheckResponse> readiness() {
        return Uni.createFrom()
                .item(reporter::getReadiness)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(health -> response(health.isDown() ? ServingStatus.NOT_SERVING : ServingStatus.SERVING));
    }

    private static HealthCheckResponse response(ServingStatus status) {
        return HealthCheckResponse.newBuilder().setStatus(status).build();
    }
}
