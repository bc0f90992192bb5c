package io.ballast.gateway.session.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.ballast.gateway.AgentCertificates;
import io.ballast.proto.agent.v1.ConnectRequest;
import io.ballast.proto.agent.v1.ConnectResponse;
import io.ballast.proto.agent.v1.Heartbeat;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.ballast.v1.ExtentList;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.inventory.v1.VirtualDisk;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.support.events.Events;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.ServiceBootChecks;
import io.grpc.Status;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Agent sessions over real mutual TLS with commands and acks through the real broker. Each test uses its own VM. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(AgentCertificates.class)
class AgentSessionTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    Broker broker;

    @TestHTTPResource(value = "/", tls = true)
    URL https;

    @TestHTTPResource("/")
    URL http;

    private final Events reservation = new Events("reservation-service");

    @Test
    void aCommandReachesTheConnectedAgentAndItsAckIsPublished() throws Exception {
        try (AgentClient agent = AgentClient.tls(https.getPort(), "vm-1");
                EventTap acks = EventTap.fromNow(broker.bootstrapServers(), Topic.BALLAST_ACKS)) {
            agent.hello("vm-1", "disk-1");
            assertThat(agent.next(WAIT).hasWelcome()).isTrue();

            publish(Topic.BALLAST_COMMANDS, "vm-1/disk-1", command("vm-1", "disk-1", 1, 64L << 20));
            ConnectResponse delivered = agent.next(WAIT);
            assertThat(delivered.getSetBallastSize()).isEqualTo(command("vm-1", "disk-1", 1, 64L << 20));

            BallastApplied applied = BallastApplied.newBuilder()
                    .setVmId("vm-1")
                    .setDiskId("disk-1")
                    .setMountPoint("/")
                    .setGeneration(1)
                    .setActualBytes(64L << 20)
                    .setExtents(ExtentList.newBuilder()
                            .addExtents(Extent.newBuilder()
                                    .setDiskOffsetBytes(1 << 20)
                                    .setLengthBytes(64L << 20)))
                    .build();
            agent.send(ConnectRequest.newBuilder().setApplied(applied).build());

            var events = acks.readUntil(e -> e.payload().equals(applied), WAIT);
            Decoded.Event ack = events.getLast();
            assertThat(ack.envelope().getProducer()).isEqualTo("guest-gateway");
            assertThat(ack.envelope().getSubjectId()).as("keyed by VM and disk").isEqualTo("vm-1/disk-1");
        }
    }

    @Test
    void anOfflineAgentGetsOnlyTheNewestGenerationWhenItConnects() throws Exception {
        publish(Topic.BALLAST_COMMANDS, "vm-2/disk-2", command("vm-2", "disk-2", 3, 3 << 20));
        publish(Topic.BALLAST_COMMANDS, "vm-2/disk-2", command("vm-2", "disk-2", 2, 2 << 20));
        publish(Topic.BALLAST_COMMANDS, "vm-2/disk-2", command("vm-2", "disk-2", 4, 4 << 20));
        awaitPending(1);

        try (AgentClient agent = AgentClient.tls(https.getPort(), "vm-2")) {
            agent.hello("vm-2", "disk-2");
            assertThat(agent.next(WAIT).hasWelcome()).isTrue();
            assertThat(agent.next(WAIT).getSetBallastSize().getGeneration()).isEqualTo(4);
            assertThat(agent.received.poll(1500, TimeUnit.MILLISECONDS))
                    .as("nothing but the newest generation")
                    .isNull();
        }
    }

    @Test
    void anUnacknowledgedCommandIsSentAgainWithTheSameGeneration() throws Exception {
        try (AgentClient agent = AgentClient.tls(https.getPort(), "vm-3")) {
            agent.hello("vm-3", "disk-3");
            assertThat(agent.next(WAIT).hasWelcome()).isTrue();
            publish(Topic.BALLAST_COMMANDS, "vm-3/disk-3", command("vm-3", "disk-3", 7, 1 << 20));

            SetBallastSize first = agent.next(WAIT).getSetBallastSize();
            SetBallastSize again = agent.next(WAIT).getSetBallastSize();

            assertThat(again).isEqualTo(first);
            assertThat(again.getGeneration()).isEqualTo(7);
        }
    }

    @Test
    void usageAndHeartbeatsFlow() throws Exception {
        try (AgentClient agent = AgentClient.tls(https.getPort(), "vm-4");
                EventTap telemetry = EventTap.fromNow(broker.bootstrapServers(), Topic.GUEST_TELEMETRY)) {
            agent.hello("vm-4", "disk-4");
            assertThat(agent.next(WAIT).getWelcome().getHeartbeatIntervalSeconds())
                    .isPositive();

            agent.send(ConnectRequest.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setSequence(41))
                    .build());
            assertThat(agent.next(WAIT).getHeartbeat().getSequence()).isEqualTo(41);

            UsageReported usage = UsageReported.newBuilder()
                    .setVmId("vm-4")
                    .addFilesystems(FilesystemUsage.newBuilder()
                            .setMountPoint("/")
                            .setDiskId("disk-4")
                            .setTotalBytes(10L << 30)
                            .setUtilizedBytes(2L << 30))
                    .build();
            agent.send(ConnectRequest.newBuilder().setUsage(usage).build());
            telemetry.readUntil(e -> e.payload().equals(usage), WAIT);
        }
    }

    @Test
    void aHelloNamingAnotherVmIsRefusedAndCounted() throws Exception {
        long before = ServiceBootChecks.counter("ballast_gateway_identity_refused_total", "reason", "vm");
        try (AgentClient agent = AgentClient.tls(https.getPort(), "vm-5")) {
            agent.hello("vm-6", "disk-6");

            Status status = agent.endStatus(WAIT);
            assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(status.getDescription()).isEqualTo("hello names VM 'vm-6' but the certificate is VM 'vm-5'");
        }
        assertThat(ServiceBootChecks.counter("ballast_gateway_identity_refused_total", "reason", "vm"))
                .isEqualTo(before + 1);
    }

    @Test
    void anAckForAnotherVmsDiskIsRefusedAndNotPublished() throws Exception {
        publish(
                Topic.INVENTORY,
                "disk-99",
                VirtualDiskUpserted.newBuilder()
                        .setDisk(VirtualDisk.newBuilder().setDiskId("disk-99").setVmId("vm-9"))
                        .build());
        try (AgentClient agent = AgentClient.tls(https.getPort(), "vm-7");
                EventTap acks = EventTap.fromNow(broker.bootstrapServers(), Topic.BALLAST_ACKS)) {
            agent.hello("vm-7", "disk-7");
            assertThat(agent.next(WAIT).hasWelcome()).isTrue();
            awaitOwner("disk-99");

            agent.send(ConnectRequest.newBuilder()
                    .setApplied(BallastApplied.newBuilder()
                            .setVmId("vm-7")
                            .setDiskId("disk-99")
                            .setGeneration(1))
                    .build());
            Status status = agent.endStatus(WAIT);
            assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(status.getDescription()).contains("disk 'disk-99', which is not VM 'vm-7''s");

            // An ack the gateway did publish afterwards shows the refused one never went out.
            try (AgentClient honest = AgentClient.tls(https.getPort(), "vm-8")) {
                honest.hello("vm-8", "disk-8");
                assertThat(honest.next(WAIT).hasWelcome()).isTrue();
                BallastApplied own = BallastApplied.newBuilder()
                        .setVmId("vm-8")
                        .setDiskId("disk-8")
                        .setGeneration(1)
                        .build();
                honest.send(ConnectRequest.newBuilder().setApplied(own).build());
                var seen = acks.readUntil(e -> e.payload().equals(own), WAIT);
                assertThat(seen)
                        .extracting(e -> e.envelope().getSubjectId())
                        .noneMatch(subject -> subject.startsWith("vm-7/"));
            }
        }
    }

    @Test
    void withoutAClientCertificateThereIsNoSession() throws Exception {
        try (AgentClient noCertificate = AgentClient.tls(https.getPort(), null);
                AgentClient plain = AgentClient.plain(http.getPort())) {
            noCertificate.hello("vm-1");
            plain.hello("vm-1");

            assertThat(noCertificate.endStatus(WAIT).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(plain.endStatus(WAIT).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        }
    }

    private static SetBallastSize command(String vm, String disk, long generation, long bytes) {
        return SetBallastSize.newBuilder()
                .setVmId(vm)
                .setDiskId(disk)
                .setMountPoint("/")
                .setGeneration(generation)
                .setTargetBytes(bytes)
                .build();
    }

    private void publish(Topic topic, String subject, Message payload) {
        try (EventProducer producer = EventProducer.connect(broker.bootstrapServers(), reservation)) {
            producer.publish(topic, subject, payload);
        }
    }

    private static void awaitPending(long atLeast) {
        org.awaitility.Awaitility.await()
                .atMost(WAIT)
                .until(() -> ServiceBootChecks.gauge("ballast_gateway_commands_pending") >= atLeast);
    }

    private static void awaitOwner(String disk) {
        org.awaitility.Awaitility.await()
                .atMost(WAIT)
                .until(() -> ServiceBootChecks.decodedCount(Topic.INVENTORY) >= 1);
    }
}
