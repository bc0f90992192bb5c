package io.ballast.reservation.budget.events;

import io.ballast.proto.events.Decoded;
import io.ballast.support.events.EventInbox;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Kafka edge of the reservation: inventory changes, guest usage, agent acks, reclaim results, decoded through the
 * shared {@link EventInbox} (which counts and skips records that are not valid events) and decided on by {@link
 * BudgetInputs}, one record at a time per channel, in partition order.
 *
 * <p>An event the engine refuses is logged and skipped; anything else is tried again, holding the partition back
 * ({@link EventInbox#decide}).
 */
@ApplicationScoped
public class ReservationEventConsumer {

    private final EventInbox inbox;
    private final BudgetInputs inputs;

    ReservationEventConsumer(EventInbox inbox, BudgetInputs inputs) {
        this.inbox = inbox;
        this.inputs = inputs;
    }

    @Incoming("inventory")
    @Blocking
    void onInventory(ConsumerRecord<String, byte[]> record) {
        handle(record, inputs::inventory);
    }

    @Incoming("guest-telemetry")
    @Blocking
    void onGuestTelemetry(ConsumerRecord<String, byte[]> record) {
        handle(record, inputs::telemetry);
    }

    @Incoming("ballast-acks")
    @Blocking
    void onBallastAcks(ConsumerRecord<String, byte[]> record) {
        handle(record, inputs::ack);
    }

    @Incoming("worker-progress")
    @Blocking
    void onWorkerProgress(ConsumerRecord<String, byte[]> record) {
        handle(record, inputs::workerProgress);
    }

    private void handle(ConsumerRecord<String, byte[]> record, Consumer<Decoded.Event> decide) {
        inbox.decide(record, decide);
    }
}
