package io.ballast.support.store;

import io.agroal.api.AgroalDataSource;
import io.ballast.proto.events.Decoded;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Makes a consumer idempotent on the event id: it handles an event only when {@link #firstTime} says so, in the
 * transaction that handles it, so a redelivered event (Kafka and the outbox deliver at least once) changes nothing
 * twice. Ids older than {@code ballast.store.inbox.retention} are forgotten.
 *
 * <pre>{@code
 * @Transactional
 * void onAck(Decoded.Event event) {
 *     if (inbox.firstTime(event, "reservation.acks")) { budgets.apply(ack); }
 * }
 * }</pre>
 */
@ApplicationScoped
public class Inbox {

    private static final Logger LOG = Logger.getLogger(Inbox.class);

    private final AgroalDataSource dataSource;
    private final InboxTable table;
    private final StoreConfig config;
    private ScheduledExecutorService purger;

    Inbox(AgroalDataSource dataSource, StoreConfig config) {
        this.dataSource = dataSource;
        this.table = new InboxTable(new StoreSchema(config.schema()));
        this.config = config;
    }

    /**
     * Whether {@code consumer} (a name stable across restarts, e.g. {@code reservation.acks}) sees {@code eventId}
     * for the first time; records it in the caller's transaction, which must be active.
     *
     * @throws IllegalArgumentException if the event id is not a UUID
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean firstTime(String eventId, String consumer) {
        try (Connection connection = dataSource.getConnection()) {
            return table.firstTime(connection, eventId, consumer);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "could not record event " + eventId + " in the inbox: " + e.getMessage(), e);
        }
    }

    /** {@link #firstTime(String, String)} for a decoded event's id. */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean firstTime(Decoded.Event event, String consumer) {
        return firstTime(event.envelope().getEventId(), consumer);
    }

    void startPurging(@Observes StartupEvent start) {
        long every = config.inbox().purgeInterval().toMillis();
        purger = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("ballast-inbox-purge").daemon().factory());
        purger.scheduleWithFixedDelay(this::purge, every, every, TimeUnit.MILLISECONDS);
    }

    void stopPurging(@Observes ShutdownEvent stop) {
        if (purger != null) {
            purger.shutdownNow();
        }
    }

    private void purge() {
        try (Connection connection = dataSource.getConnection()) {
            int purged =
                    table.purge(connection, Instant.now().minus(config.inbox().retention()));
            LOG.debugf("inbox purged=%d", purged);
        } catch (SQLException | RuntimeException e) {
            LOG.warnf(
                    "could not purge the inbox (trying again in %s): %s",
                    config.inbox().purgeInterval(), e.getMessage());
        }
    }
}
