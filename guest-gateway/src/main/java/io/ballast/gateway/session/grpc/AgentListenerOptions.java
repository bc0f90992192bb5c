package io.ballast.gateway.session.grpc;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import jakarta.inject.Singleton;

/**
 * The TLS listener the agents' streams arrive on: the JDK's TLS engine, writing into pooled buffers.
 *
 * <p>For every flush of a connection (each command, acknowledgement and heartbeat, each read that ends with one) the
 * JDK engine needs an output buffer of a whole TLS record, about 17 KiB, however little it writes. Vert.x takes it
 * from an unpooled heap allocator unless asked otherwise: with 10,000 agents at 1,000 commands/s the gateway
 * allocated about 90 MiB/s and paused for a young collection every 2 s (50 to 130 ms on two shared cores, most of it
 * scanning the sessions' old objects for new references); pooled, the buffer goes back to the event loop's cache
 * after each write, and the same load allocates about 55 MiB/s, a young collection every 3.3 s.
 */
@Singleton
public class AgentListenerOptions implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        options.setSslEngineOptions(new JdkSSLEngineOptions().setPooledHeapBuffers(true));
    }
}
