package io.ballast.gateway.session.grpc;

import io.ballast.gateway.AgentCertificates;
import io.ballast.proto.agent.v1.AgentSessionServiceGrpc;
import io.ballast.proto.agent.v1.ConnectRequest;
import io.ballast.proto.agent.v1.ConnectResponse;
import io.ballast.proto.agent.v1.GuestDisk;
import io.ballast.proto.agent.v1.Hello;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;

/** An agent's side of a session for tests: grpc-java over mutual TLS with a VM's certificate, as the real agent. */
final class AgentClient implements AutoCloseable {

    private final ManagedChannel channel;
    private final StreamObserver<ConnectRequest> up;
    final BlockingQueue<ConnectResponse> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();

    private AgentClient(ManagedChannel channel) {
        this.channel = channel;
        this.up = AgentSessionServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(ConnectResponse response) {
                received.add(response);
            }

            @Override
            public void onError(Throwable error) {
                ended.complete(Status.fromThrowable(error));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
    }

    /** Connects over TLS presenting the certificate of {@code certificateVm} (null: no client certificate). */
    static AgentClient tls(int port, String certificateVm) throws Exception {
        Path certs = AgentCertificates.directory();
        var ssl =
                GrpcSslContexts.forClient().trustManager(certs.resolve("ca.pem").toFile());
        if (certificateVm != null) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(certs.resolve("vm-" + certificateVm + ".p12"))) {
                store.load(in, AgentCertificates.PASSWORD);
            }
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, AgentCertificates.PASSWORD);
            ssl.keyManager(keys);
        }
        return new AgentClient(NettyChannelBuilder.forAddress("localhost", port)
                .sslContext(ssl.build())
                .build());
    }

    /** Connects without TLS. */
    static AgentClient plain(int port) {
        return new AgentClient(
                NettyChannelBuilder.forAddress("localhost", port).usePlaintext().build());
    }

    void send(ConnectRequest request) {
        up.onNext(request);
    }

    void hello(String vmId, String... disks) {
        Hello.Builder hello = Hello.newBuilder().setAgentVersion("test").setVmId(vmId);
        for (String disk : disks) {
            hello.addDisks(GuestDisk.newBuilder().setDiskId(disk));
        }
        send(ConnectRequest.newBuilder().setHello(hello).build());
    }

    /** The next message from the gateway, or an assertion error after the timeout. */
    ConnectResponse next(Duration timeout) throws InterruptedException {
        ConnectResponse response = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (response == null) {
            throw new AssertionError("nothing from the gateway within " + timeout.toSeconds() + " s"
                    + (ended.isDone() ? "; the stream ended with " + ended.join() : ""));
        }
        return response;
    }

    Status endStatus(Duration timeout) throws Exception {
        return ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        try {
            up.onCompleted();
        } catch (RuntimeException e) {
            // The stream may be over already.
        }
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
