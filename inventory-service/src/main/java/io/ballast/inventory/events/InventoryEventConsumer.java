package io.ballast.inventory.events;

import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.support.events.EventInbox;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka edge of the inventory: guest usage reports and worker progress, decoded and decided on through the shared
 * {@link EventInbox} (refused events are skipped, failures tried again holding the partition back).
 */
@ApplicationScoped
public class InventoryEventConsumer {

    private final EventInbox inbox;
    private final UsageStore usage;

    InventoryEventConsumer(EventInbox inbox, UsageStore usage) {
        this.inbox = inbox;
        this.usage = usage;
    }

    @Incoming("guest-telemetry")
    @Blocking
    void onGuestTelemetry(ConsumerRecord<String, byte[]> record) {
        inbox.decide(record, event -> event.payloadAs(UsageReported.class).ifPresent(report -> {
            var occurred = event.envelope().getOccurredAt();
            usage.reported(report, Instant.ofEpochSecond(occurred.getSeconds(), occurred.getNanos()));
        }));
    }

    @Incoming("worker-progress")
    @Blocking
    void onWorkerProgress(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }
}
