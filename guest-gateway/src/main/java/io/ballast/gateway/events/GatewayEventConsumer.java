package io.ballast.gateway.events;

import io.ballast.gateway.session.Command;
import io.ballast.gateway.session.grpc.AgentSessions;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.inventory.v1.VirtualDiskRemoved;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.support.events.EventInbox;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka edge of the gateway. Every gateway instance reads all ballast commands (to deliver those of the agents
 * connected to it, and to hold the rest for agents that connect later), all acknowledgements (so a command an agent
 * applied through another gateway is no longer pending here) and the inventory's disks (which VM each disk is).
 *
 * <p>Every handler only touches memory, so it runs on the consumer's event loop ({@link NonBlocking}): handing each
 * record to a worker thread and back, as Quarkus does for a {@code void} method by default, capped delivery at a few
 * hundred commands a second on two cores.
 */
@ApplicationScoped
public class GatewayEventConsumer {

    private final EventInbox inbox;
    private final AgentSessions sessions;
    private final CatchUp catchUp;

    GatewayEventConsumer(EventInbox inbox, AgentSessions sessions, CatchUp catchUp) {
        this.inbox = inbox;
        this.sessions = sessions;
        this.catchUp = catchUp;
    }

    @Incoming("ballast-commands")
    @NonBlocking
    void onBallastCommands(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            inbox.receive(record).ifPresent(event -> event.payloadAs(SetBallastSize.class)
                    .ifPresent(command -> sessions.offer(new Command(
                            command.getVmId(),
                            command.getDiskId(),
                            command.getMountPoint(),
                            command.getGeneration(),
                            command.getTargetBytes(),
                            issuedAt(event)))));
            catchUp.read(record);
        }
    }

    @Incoming("ballast-acks")
    @NonBlocking
    void onBallastAcks(ConsumerRecords<String, byte[]> records) {
        for (ConsumerRecord<String, byte[]> record : records) {
            inbox.receive(record).ifPresent(event -> {
                event.payloadAs(BallastApplied.class)
                        .ifPresent(ack -> sessions.acknowledged(ack.getVmId(), ack.getDiskId(), ack.getGeneration()));
                event.payloadAs(BallastFailed.class)
                        .ifPresent(ack -> sessions.acknowledged(ack.getVmId(), ack.getDiskId(), ack.getGeneration()));
            });
            catchUp.read(record);
        }
    }

    @Incoming("inventory")
    @NonBlocking
    void onInventory(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record).ifPresent(event -> {
            event.payloadAs(VirtualDiskUpserted.class).ifPresent(upserted -> sessions.ownership()
                    .assign(
                            upserted.getDisk().getDiskId(),
                            upserted.getDisk().getVmId(),
                            upserted.getDisk().getSerial()));
            event.payloadAs(VirtualDiskRemoved.class)
                    .ifPresent(removed -> sessions.ownership().remove(removed.getDiskId()));
        });
        catchUp.read(record);
    }

    private static Instant issuedAt(Decoded.Event event) {
        var time = event.envelope().getOccurredAt();
        return Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
    }
}
