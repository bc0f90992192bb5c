package io.ballast.support.store;

import com.google.protobuf.Message;
import io.agroal.api.AgroalDataSource;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import io.ballast.support.events.Events;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where a service puts the events its state changes announce: in the outbox, in the same transaction as the change,
 * so both commit or neither does. The relay sends them to Kafka after the commit, at least once and in order per
 * subject; a rolled-back transaction sends nothing.
 *
 * <pre>{@code
 * @Transactional
 * void deflate(Disk disk, long bytes) {
 *     budgets.save(disk.withBudget(bytes));
 *     outbox.add(Topic.BALLAST_COMMANDS, Topic.vmDiskKey(disk.vmId(), command.getDiskId()), command);
 * }
 * }</pre>
 */
@ApplicationScoped
public class Outbox {

    private static final Object WAKE_AFTER_COMMIT = new Object();

    private final AgroalDataSource dataSource;
    private final OutboxWriter writer;
    private final TransactionSynchronizationRegistry transactions;
    private final OutboxRelayService relay;

    Outbox(
            AgroalDataSource dataSource,
            Events events,
            StoreConfig config,
            TransactionSynchronizationRegistry transactions,
            OutboxRelayService relay) {
        this.dataSource = dataSource;
        this.writer = new OutboxWriter(events, new StoreSchema(config.schema()));
        this.transactions = transactions;
        this.relay = relay;
    }

    /**
     * Adds {@code payload} for {@code subjectId} (the record key: the id that orders the topic) to the outbox, in the
     * caller's transaction, which must be active. Call it after the state change the event announces.
     *
     * @return the envelope as it will be sent (its event id is the one consumers see)
     * @throws IllegalArgumentException if the topic does not carry the payload's type or the subject id is blank
     * @throws jakarta.transaction.TransactionalException if no transaction is active
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Envelope add(Topic topic, String subjectId, Message payload) {
        Envelope envelope;
        try (Connection connection = dataSource.getConnection()) {
            envelope = writer.add(connection, topic, subjectId, payload);
        } catch (SQLException e) {
            throw new IllegalStateException("could not write an event into the outbox: " + e.getMessage(), e);
        }
        if (transactions.getResource(WAKE_AFTER_COMMIT) == null) {
            transactions.putResource(WAKE_AFTER_COMMIT, Boolean.TRUE);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {}

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED) {
                        relay.wake();
                    }
                }
            });
        }
        return envelope;
    }
}
