package io.ballast.support.probe;

import io.ballast.support.probe.v1.MutinyProbeServiceGrpc;
import io.ballast.support.probe.v1.ProbeRequest;
import io.ballast.support.probe.v1.ProbeResponse;
import io.ballast.support.security.Roles;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;

/** The test contract's gRPC service: methods that throw, fail their result, or need a role. */
@GrpcService
public class ProbeGrpcService extends MutinyProbeServiceGrpc.ProbeServiceImplBase {

    @Override
    public Uni<ProbeResponse> raise(ProbeRequest request) {
        throw Probes.failure(request.getKind());
    }

    @Override
    public Uni<ProbeResponse> fail(ProbeRequest request) {
        return Uni.createFrom().failure(Probes.failure(request.getKind()));
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<ProbeResponse> read(ProbeRequest request) {
        return answer("read");
    }

    @Override
    @RolesAllowed(Roles.ORCHESTRATOR)
    public Uni<ProbeResponse> grow(ProbeRequest request) {
        return answer("grown");
    }

    private static Uni<ProbeResponse> answer(String answer) {
        return Uni.createFrom()
                .item(ProbeResponse.newBuilder().setAnswer(answer).build());
    }
}
