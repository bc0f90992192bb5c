package io.ballast.support.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import io.ballast.support.events.Events;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Moves the outbox's events to Kafka: takes the oldest rows in id order, sends them, waits until the broker
 * acknowledged every one, deletes them and commits. A relay that dies between the send and the commit leaves the rows
 * where they were, and the next relay sends them again (at least once; consumers drop the copy by its event id,
 * see {@link InboxTable}). Events of one key keep their order: a batch is acknowledged completely before the next
 * one is read, and the idempotent producer keeps the order within a batch.
 *
 * <p>Several instances of a service may run a relay each on one database: a transaction-scoped advisory lock (one
 * per schema) lets one of them relay at a time, the others find it taken and wait for their next turn, so no two
 * relays send the same rows side by side or out of order.
 *
 * <p>Order follows the ids, which are taken when a row is written: a service adds the event after the state change
 * it announces, in the same transaction, so two transactions changing the same subject (serialized by that state's
 * row lock) write its events in commit order.
 *
 * <p>Metrics: {@code ballast.outbox.pending} (rows waiting; Prometheus {@code ballast_outbox_pending}) and
 * {@code ballast.outbox.relay} (time from writing an event to its acknowledgement by the broker; Prometheus
 * {@code ballast_outbox_relay_seconds}).
 */
public final class OutboxRelay implements AutoCloseable {

    /**
     * How a relay works.
     *
     * @param batchSize the most rows one transaction sends
     * @param pollInterval how long an idle relay waits before it looks again (a commit through {@code Outbox} wakes
     *     it sooner)
     * @param sendTimeout how long it waits for the broker's acknowledgements of a batch before it gives up and
     *     tries again
     * @param retryBackoff how long it waits after a failed batch
     */
    public record Settings(int batchSize, Duration pollInterval, Duration sendTimeout, Duration retryBackoff) {

        public Settings {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, not " + batchSize);
            }
        }
    }

    /** Arbitrary first half of the advisory lock's key, so that it is unlikely to meet another lock's. */
    private static final int LOCK_SPACE = 0x0BA11A57;

    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    private final DataSource dataSource;
    private final StoreSchema schema;
    private final Events events;
    private final Producer<String, byte[]> producer;
    private final Settings settings;
    private final Runnable beforeDelete;
    private final Timer relayTime;
    private final String select;
    private final String delete;
    private final String park;
    private final io.micrometer.core.instrument.Counter parked;
    private final String count;

    private final Object signal = new Object();
    private boolean woken;
    private volatile boolean running;
    private Thread thread;

    /**
     * A relay of the outbox in {@code schema}, sending through {@code producer} (made with
     * {@link #producerSettings()}; the caller closes it after the relay), its metrics in {@code registry}.
     */
    public OutboxRelay(
            DataSource dataSource,
            StoreSchema schema,
            Events events,
            Producer<String, byte[]> producer,
            Settings settings,
            MeterRegistry registry) {
        this(dataSource, schema, events, producer, settings, registry, () -> {});
    }

    /** With {@code beforeDelete} run after the acknowledgements and before the delete: a test's crash point. */
    OutboxRelay(
            DataSource dataSource,
            StoreSchema schema,
            Events events,
            Producer<String, byte[]> producer,
            Settings settings,
            MeterRegistry registry,
            Runnable beforeDelete) {
        this.dataSource = dataSource;
        this.schema = schema;
        this.events = events;
        this.producer = producer;
        this.settings = settings;
        this.beforeDelete = beforeDelete;
        String table = schema.table(StoreSchema.OUTBOX);
        this.select = "SELECT id, topic, envelope, created_at FROM " + table + " ORDER BY id LIMIT ?";
        this.delete = "DELETE FROM " + table + " WHERE id = ANY (?)";
        this.park = "INSERT INTO " + schema.table(StoreSchema.OUTBOX_PARKED)
                + " (id, topic, record_key, event_id, event_type, envelope, created_at, reason)"
                + " SELECT id, topic, record_key, event_id, event_type, envelope, created_at, ? FROM " + table
                + " WHERE id = ? ON CONFLICT (id) DO NOTHING";
        this.count = "SELECT count(*) FROM " + table;
        this.relayTime = Timer.builder("ballast.outbox.relay")
                .description("Time from writing an event into the outbox to the broker's acknowledgement")
                .tag("schema", schema.name())
                .register(registry);
        this.parked = io.micrometer.core.instrument.Counter.builder("ballast.outbox.parked")
                .description("Events the broker refused for good, moved out of the outbox into ballast_outbox_parked")
                .tag("schema", schema.name())
                .register(registry);
        Gauge.builder("ballast.outbox.pending", this, OutboxRelay::pendingOrNaN)
                .description("Events in the outbox waiting to be relayed to Kafka")
                .tag("schema", schema.name())
                .register(registry);
    }

    /** The producer settings the relay's guarantees rest on; the caller adds the bootstrap servers. */
    public static Map<String, Object> producerSettings() {
        return Map.of(
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                // At most 5 in flight keeps the idempotent producer's order across retries.
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                5,
                // a send waits this long at most for the topic's metadata (a broker that is down), not a minute:
                // the relay holds a database transaction while it sends
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                5_000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName());
    }

    /**
     * Relays one batch in one transaction.
     *
     * @return how many rows left the outbox: 0 when it is empty or another relay holds the lock
     * @throws SQLException if the database failed; nothing was deleted
     * @throws IllegalStateException if the broker did not acknowledge every event in time; nothing was deleted, and
     *     the events are sent again
     */
    public int relayOnce() throws SQLException, InterruptedException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                int relayed = relayBatch(connection);
                connection.commit();
                return relayed;
            } catch (SQLException | RuntimeException | InterruptedException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** Events in the outbox now. */
    public long pending() throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(count);
                ResultSet result = statement.executeQuery()) {
            result.next();
            return result.getLong(1);
        }
    }

    /** Starts relaying on a thread of its own until {@link #close()}. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("the relay of schema " + schema.name() + " runs already");
        }
        running = true;
        thread = Thread.ofPlatform()
                .name("ballast-outbox-relay-" + schema.name())
                .daemon()
                .start(this::relayUntilClosed);
    }

    /** Makes a waiting relay look at the outbox now: a transaction that wrote into it committed. */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /**
     * Stops the relay thread, letting a batch in flight finish within the send timeout; rows it could not delete are
     * sent again by the next relay.
     */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            running = thread;
            this.running = false;
        }
        wake();
        if (running == null) {
            return;
        }
        try {
            running.join(settings.sendTimeout().plusSeconds(1));
            if (running.isAlive()) {
                running.interrupt();
                running.join(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void relayUntilClosed() {
        boolean failing = false;
        while (running) {
            try {
                int relayed = relayOnce();
                if (failing) {
                    LOG.infof("outbox relay works again schema=%s", schema.name());
                    failing = false;
                }
                if (relayed < settings.batchSize()) {
                    await(settings.pollInterval());
                }
            } catch (InterruptedException e) {
                return;
            } catch (SQLException | RuntimeException e) {
                if (!failing) {
                    LOG.warnf(
                            "outbox relay failed, retrying every %s schema=%s: %s",
                            settings.retryBackoff(), schema.name(), e.getMessage());
                } else {
                    LOG.debugf(e, "outbox relay failed again schema=%s", schema.name());
                }
                failing = true;
                try {
                    await(settings.retryBackoff());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (signal) {
            long remaining;
            while (!woken && running && (remaining = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(signal, remaining);
            }
            woken = false;
        }
    }

    private record Row(long id, String topic, byte[] envelope, Instant createdAt) {}

    private int relayBatch(Connection connection) throws SQLException, InterruptedException {
        if (!lock(connection)) {
            return 0;
        }
        List<Row> rows = oldest(connection);
        if (rows.isEmpty()) {
            return 0;
        }
        // the topics' metadata first: a broker that is down fails the batch here, in one wait, not in each send
        rows.stream()
                .map(Row::topic)
                .distinct()
                .filter(t -> Topic.named(t).isPresent())
                .forEach(producer::partitionsFor);
        List<Row> sentRows = new ArrayList<>();
        List<Future<RecordMetadata>> acknowledgements = new ArrayList<>();
        for (Row row : rows) {
            Optional<ProducerRecord<String, byte[]>> record = record(row);
            if (record.isPresent()) {
                sentRows.add(row);
                acknowledgements.add(producer.send(record.get()));
            }
        }
        for (Map.Entry<Row, String> refused :
                awaitAcknowledgements(sentRows, acknowledgements).entrySet()) {
            try (PreparedStatement statement = connection.prepareStatement(park)) {
                statement.setString(1, refused.getValue());
                statement.setLong(2, refused.getKey().id());
                statement.executeUpdate();
            }
            parked.increment();
            LOG.errorf(
                    "outbox event refused for good, parked schema=%s id=%d topic=%s reason=%s",
                    schema.name(), refused.getKey().id(), refused.getKey().topic(), refused.getValue());
        }
        beforeDelete.run();
        try (PreparedStatement statement = connection.prepareStatement(delete)) {
            Array ids = connection.createArrayOf(
                    "bigint", rows.stream().map(Row::id).toArray(Long[]::new));
            statement.setArray(1, ids);
            statement.executeUpdate();
        }
        Instant acknowledged = Instant.now();
        for (Row row : sentRows) {
            relayTime.record(Duration.between(row.createdAt(), acknowledged));
        }
        return rows.size();
    }

    private boolean lock(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_try_advisory_xact_lock(?, ?)")) {
            statement.setInt(1, LOCK_SPACE);
            statement.setInt(2, schema.name().hashCode());
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private List<Row> oldest(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(select)) {
            statement.setInt(1, settings.batchSize());
            try (ResultSet result = statement.executeQuery()) {
                List<Row> rows = new ArrayList<>();
                while (result.next()) {
                    rows.add(new Row(
                            result.getLong(1),
                            result.getString(2),
                            result.getBytes(3),
                            result.getTimestamp(4).toInstant()));
                }
                return rows;
            }
        }
    }

    /**
     * The record of a row, through the shared codec; empty for a row that can never be sent (its topic or type is
     * no longer Ballast's): it is logged and deleted with the batch rather than blocking every later event.
     */
    private Optional<ProducerRecord<String, byte[]>> record(Row row) {
        try {
            Topic topic = Topic.named(row.topic())
                    .orElseThrow(() -> new IllegalArgumentException("unknown topic " + row.topic()));
            return Optional.of(events.record(topic, Envelope.parseFrom(row.envelope())));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            LOG.errorf(
                    "outbox row cannot be sent and is dropped schema=%s id=%d topic=%s: %s",
                    schema.name(), row.id(), row.topic(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Waits for the broker to acknowledge every sent row; returns the rows it refused for good (a record too large
     * or invalid, which no retry changes) with the reason, to be parked.
     *
     * @throws IllegalStateException when a row was refused for a reason that may pass (or not acknowledged in time):
     *     the batch is not deleted and is sent again
     */
    private Map<Row, String> awaitAcknowledgements(List<Row> rows, List<Future<RecordMetadata>> acknowledgements)
            throws InterruptedException {
        Map<Row, String> refused = new java.util.LinkedHashMap<>();
        long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
        for (int i = 0; i < acknowledgements.size(); i++) {
            try {
                acknowledgements.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (cause instanceof org.apache.kafka.common.errors.RecordTooLargeException
                        || cause instanceof org.apache.kafka.common.errors.RecordBatchTooLargeException
                        || cause instanceof org.apache.kafka.common.InvalidRecordException) {
                    refused.put(rows.get(i), cause.getClass().getSimpleName() + ": " + cause.getMessage());
                    continue;
                }
                throw new IllegalStateException(
                        "the broker refused outbox row id=" + rows.get(i).id() + ": " + cause.getMessage(), cause);
            } catch (TimeoutException e) {
                throw new IllegalStateException("the broker did not acknowledge outbox row id="
                        + rows.get(i).id() + " within " + settings.sendTimeout());
            }
        }
        return refused;
    }

    private double pendingOrNaN() {
        try {
            return pending();
        } catch (SQLException e) {
            return Double.NaN;
        }
    }
}
