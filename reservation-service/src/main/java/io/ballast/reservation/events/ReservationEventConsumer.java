package io.ballast.reservation.events;

import io.ballast.support.events.EventInbox;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka edge of the reservation: inventory changes, guest usage, agent acks, reclaim results, decoded through the
 * shared {@link EventInbox}, which counts and skips records that are not valid events.
 */
@ApplicationScoped
public class ReservationEventConsumer {

    private final EventInbox inbox;

    ReservationEventConsumer(EventInbox inbox) {
        this.inbox = inbox;
    }

    @Incoming("inventory")
    void onInventory(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }

    @Incoming("guest-telemetry")
    void onGuestTelemetry(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }

    @Incoming("ballast-acks")
    void onBallastAcks(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }

    @Incoming("worker-progress")
    void onWorkerProgress(ConsumerRecord<String, byte[]> record) {
        inbox.receive(record);
    }
}
