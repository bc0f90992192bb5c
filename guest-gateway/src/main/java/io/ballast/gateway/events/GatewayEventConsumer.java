package io.ballast.gateway.events;

import io.ballast.support.events.EventInbox;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka edge of the gateway: ballast commands to deliver, decoded through the shared {@link EventInbox}, which
 * counts and skips records that are not valid events.
 */
@ApplicationScoped
public class GatewayEventConsumer {

    private final EventInbox inbox;

    GatewayEventConsumer(EventInbox inbox) {
        this.inbox = inbox;
    }

    @Incoming("ballast-commands")
    void onBallastCommands(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }
}
