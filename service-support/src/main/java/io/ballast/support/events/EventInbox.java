package io.ballast.support.events;

import io.ballast.proto.events.Decoded;
import io.ballast.support.errors.Refusal;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
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

    /** How many times {@link #decide} tries an event that failed for a reason other than a refusal. */
    public static final int ATTEMPTS = 8;

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

    /**
     * Decodes {@code record} and hands its event to {@code decide}, one record at a time, in partition order. An event
     * {@code decide} refuses ({@link Refusal} other than {@link Refusal.Aborted}, or an {@link
     * IllegalArgumentException}: an unknown id, a size that is no size) is logged and skipped, since it would be
     * refused again. Anything else (the database away, a lock timeout, a conflict) is tried again with a growing
     * pause, holding the partition back so no later event overtakes it; after {@link #ATTEMPTS} it is thrown, the
     * channel fails and the service's health says so.
     */
    public void decide(ConsumerRecord<String, byte[]> record, Consumer<Decoded.Event> decide) {
        Optional<Decoded.Event> decoded = receive(record);
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
