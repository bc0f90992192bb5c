package io.ballast.gateway.session.grpc;

import io.ballast.gateway.identity.AgentIdentity;
import io.ballast.proto.agent.v1.AgentSessionService;
import io.ballast.proto.agent.v1.ConnectRequest;
import io.ballast.proto.agent.v1.ConnectResponse;
import io.ballast.support.events.EventPublisher;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * {@code ballast.agent.v1.AgentSessionService}: the agents' stream. Only a connection that presented a client
 * certificate issued by the installation's CA (checked by TLS) and naming a VM gets a session, and the session is
 * that VM's.
 */
@GrpcService
public class AgentSessionEndpoint implements AgentSessionService {

    private final AgentSessions sessions;
    private final EventPublisher publisher;

    AgentSessionEndpoint(AgentSessions sessions, EventPublisher publisher) {
        this.sessions = sessions;
        this.publisher = publisher;
    }

    @Override
    public Multi<ConnectResponse> connect(Multi<ConnectRequest> requests) {
        Optional<String> vmId = peerVmId();
        if (vmId.isEmpty()) {
            sessions.refused("certificate");
            return Multi.createFrom()
                    .failure(Status.UNAUTHENTICATED
                            .withDescription("agents connect over TLS with a client certificate naming their VM")
                            .asRuntimeException());
        }
        return Multi.createFrom().emitter(downstream -> {
            AgentSession session = new AgentSession(vmId.get(), downstream, sessions, publisher);
            downstream.onTermination(session::closed);
            requests.subscribe().with(session::receive, failure -> session.closed(), session::closed);
        });
    }

    /** The VM named by the verified client certificate of this call's connection. */
    private static Optional<String> peerVmId() {
        var context = Vertx.currentContext();
        RoutingContext routing = context == null ? null : context.getLocal(RoutingContext.class.getName());
        if (routing == null || !routing.request().isSSL()) {
            return Optional.empty();
        }
        try {
            List<Certificate> chain = routing.request().connection().peerCertificates();
            return AgentIdentity.vmId(chain == null ? null : chain.toArray(Certificate[]::new));
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }
}
