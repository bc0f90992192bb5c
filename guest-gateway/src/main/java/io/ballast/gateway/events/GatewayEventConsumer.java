package io.ballast.gateway.events;

import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Events;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Kafka edge of the gateway: decodes ballast commands to deliver with the shared codec. Records that are not valid events are counted and
 * skipped by the codec and never stop the consumer.
 */
@ApplicationScoped
public class GatewayEventConsumer {

    private static final Logger LOG = Logger.getLogger(GatewayEventConsumer.class);

    private final Events events;

    GatewayEventConsumer(Events events) {
        this.events = events;
    }

    @Incoming("ballast-commands")
    void onBallastCommands(ConsumerRecord<String, byte[]> record) {
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
