package io.ballast.support.events;

import io.ballast.proto.events.Decoded;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * Where every service's Kafka consumers hand their records: decodes them with the shared codec and returns the
 * event, or nothing for a record that was counted and skipped. Never throws for bad records, so a consumer never
 * stops on one.
 */
@ApplicationScoped
public class EventInbox {

    private static final Logger LOG = Logger.getLogger(EventInbox.class);

    private final Events events;

    EventInbox(Events events) {
        this.events = events;
    }

    /** The event in {@code record}, or empty when the record is not a valid event of its topic. */
    public Optional<Decoded.Event> receive(ConsumerRecord<String, byte[]> record) {
        if (events.decode(record) instanceof Decoded.Event event) {
            LOG.debugf(
                    "received topic=%s type=%s subject=%s event=%s",
                    record.topic(),
                    event.envelope().getType(),
                    event.envelope().getSubjectId(),
                    event.envelope().getEventId());
            return Optional.of(event);
        }
        return Optional.empty();
    }
}
