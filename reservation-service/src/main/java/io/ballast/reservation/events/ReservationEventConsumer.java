package io.ballast.reservation.events;

import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Events;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Kafka edge of the reservation: decodes inventory changes, guest usage, agent acks, reclaim results with the shared codec. Records that are not valid events are counted and
 * skipped by the codec and never stop the consumer.
 */
@ApplicationScoped
public class ReservationEventConsumer {

    private static final Logger LOG = Logger.getLogger(ReservationEventConsumer.class);

    private final Events events;

    ReservationEventConsumer(Events events) {
        this.events = events;
    }

    @Incoming("inventory")
    void onInventory(ConsumerRecord<String, byte[]> record) {
        receive(record);
    }

    @Incoming("guest-telemetry")
    void onGuestTelemetry(ConsumerRecord<String, byte[]> record) {
        receive(record);
    }

    @Incoming("ballast-acks")
    void onBallastAcks(ConsumerRecord<String, byte[]> record) {
        receive(record);
    }

    @Incoming("worker-progress")
    void onWorkerProgress(ConsumerRecord<String, byte[]> record) {
        receive(record);
    }

    private void receive(ConsumerRecord<String, byte[]> record) {
        if (events.decode(record) instanceof Decoded.Event event) {
            LOG.debugf(
                    "received type=%s subject=%s event=%s",
                    event.envelope().getType(),
                    event.envelope().getSubjectId(),
                    event.envelope().getEventId());
        }
    }
}
