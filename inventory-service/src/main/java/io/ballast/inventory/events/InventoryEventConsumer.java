package io.ballast.inventory.events;

import io.ballast.support.events.EventInbox;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka edge of the inventory: guest usage reports and worker progress, decoded through the shared
 * {@link EventInbox}, which counts and skips records that are not valid events.
 */
@ApplicationScoped
public class InventoryEventConsumer {

    private final EventInbox inbox;

    InventoryEventConsumer(EventInbox inbox) {
        this.inbox = inbox;
    }

    @Incoming("guest-telemetry")
    void onGuestTelemetry(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }

    @Incoming("worker-progress")
    void onWorkerProgress(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }
}
