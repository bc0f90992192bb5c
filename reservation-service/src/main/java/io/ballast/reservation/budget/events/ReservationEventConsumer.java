package io.ballast.reservation.budget.events;

import io.ballast.proto.events.Decoded;
import io.ballast.support.errors.Refusal;
import io.ballast.support.events.EventInbox;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Kafka edge of the reservation: inventory changes, guest usage, agent acks, reclaim results, decoded through the
 * shared {@link EventInbox} (which counts and skips records that are not valid events) and decided on by {@link
 * BudgetInputs}, one record at a time per channel, in partition order.
 *
 * <p>An event the engine refuses (an unknown disk, a size that is no size) is logged and skipped: it would be refused
 * again. Anything else (the database away, a lock timeout, a conflict) is tried again with a growing pause, holding the
 * partition back so no later event overtakes it; after {@link #ATTEMPTS} the channel fails and the service's health
 * says so.
 */
@ApplicationScoped
public class ReservationEventConsumer {

    private static final Logger LOG = Logger.getLogger(ReservationEventConsumer.class);

    static final int ATTEMPTS = 8;

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
        var decoded = inbox.receive(record);
        if (decoded.isEmpty()) {
            return;
        }
        Decoded.Event event = decoded.get();
        Duration pause = Duration.ofMillis(100);
        for (int attempt = 1; ; attempt++) {
            try {
                decide.accept(event);
                return;
            } catch (Refusal.NotFound
                    | Refusal.InvalidInput
                    | Refusal.FailedPrecondition
                    | IllegalArgumentException refusal) {
                LOG.warnf(
                        "event refused, skipped topic=%s type=%s subject=%s event=%s reason=%s",
                        record.topic(),
                        event.envelope().getType(),
                        event.envelope().getSubjectId(),
                        event.envelope().getEventId(),
                        refusal.getMessage());
                return;
            } catch (RuntimeException e) {
                if (attempt == ATTEMPTS) {
                    throw e;
                }
                LOG.warnf(
                        "event not decided, trying again in %s attempt=%d topic=%s event=%s reason=%s",
                        pause, attempt, record.topic(), event.envelope().getEventId(), e.toString());
                sleep(pause);
                pause = pause.multipliedBy(2);
            }
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to decide an event again", e);
        }
    }
}
