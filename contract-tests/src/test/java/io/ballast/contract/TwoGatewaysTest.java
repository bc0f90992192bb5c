package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.events.Topic;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway instances at once on the real broker: an agent gets its commands whichever of them it is connected
 * to, and a command one gateway delivered is no longer pending at the other once acknowledged.
 */
class TwoGatewaysTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path temp;

    @Test
    void anAgentGetsItsCommandsThroughEitherGateway() throws Exception {
        try (Fleet fleet = new Fleet(temp, 1);
                LoopDisk disk = LoopDisk.create(temp, 256 * MIB, "label: gpt\nstart=2048\n");
                EventTap acks = fleet.tap(Topic.BALLAST_ACKS)) {
            Fleet.Gateway a = fleet.gateway("gateway-a");
            Fleet.Gateway b = fleet.gateway("gateway-b");
            Path mount = disk.mountExt4(1, temp);
            String diskId = disk.image().toString();
            Path state = temp.resolve("agent-state");

            try (Program _ = fleet.startAgent("vm-1", b, mount, state)) {
                fleet.publishCommand(Fleet.command("vm-1", diskId, mount, 1, 32 * MIB));
                assertThat(Fleet.awaitAck(acks, "vm-1", 1, BallastApplied.class).getActualBytes())
                        .isEqualTo(32 * MIB);
                awaitNothingPending(a, 1);
                awaitNothingPending(b, 1);
            }

            try (Program _ = fleet.startAgent("vm-1", a, mount, state)) {
                fleet.publishCommand(Fleet.command("vm-1", diskId, mount, 2, 48 * MIB));
                assertThat(Fleet.awaitAck(acks, "vm-1", 2, BallastApplied.class).getActualBytes())
                        .isEqualTo(48 * MIB);
                awaitNothingPending(a, 2);
                awaitNothingPending(b, 2);
            }
            assertThat(Files.size(mount.resolve(".ballast"))).isEqualTo(48 * MIB);
        }
    }

    /** Waits until the gateway has read {@code commands} commands and none of them is pending any more. */
    private static void awaitNothingPending(Fleet.Gateway gateway, int commands) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    assertThat(Fleet.metric(
                                    gateway.httpPort(),
                                    "ballast_events_decoded_total",
                                    Map.of("topic", Topic.BALLAST_COMMANDS.topicName())))
                            .as("commands read by the gateway on port %d", gateway.httpPort())
                            .isGreaterThanOrEqualTo(commands);
                    assertThat(Fleet.metric(gateway.httpPort(), "ballast_gateway_commands_pending", Map.of()))
                            .as("commands pending at the gateway on port %d", gateway.httpPort())
                            .isZero();
                });
    }
}
