package io.ballast.reservation.budget.store;

import static io.ballast.reservation.budget.Guests.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.reservation.budget.BudgetChange;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.Fingerprint;
import io.ballast.reservation.budget.Guests;
import io.ballast.reservation.budget.Profile;
import io.ballast.reservation.budget.UsageHistory;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TokenResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The engine's state through real PostgreSQL: written, read back the same, locked per datastore. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
class BudgetStoreTest {

    @Inject
    BudgetStore store;

    @Inject
    DataSource dataSource;

    /**
     * A datastore with every kind of state: ballasts, a command and reclaims in flight, a pending growth, a migration
     * waiting for its hold while a donor's ballast inflates.
     */
    private static Datastore busy(String id) {
        Guests guests = new Guests();
        Datastore datastore = guests.datastore(id, 130 * GIB);
        Datastore other = guests.datastore(id + "-target", 200 * GIB);
        Profile roomy = new Profile("roomy", 0.1, 0.8, 50);
        guests.disk(id, id + "-a", "vm-a", 100 * GIB, 10 * GIB, roomy);
        guests.disk(id, id + "-b", "vm-b", 100 * GIB, 10 * GIB, roomy);
        guests.disk(id + "-target", id + "-c", "vm-c", 20 * GIB, 2 * GIB, roomy);
        guests.tick(id);
        guests.settle(id);
        guests.check(guests.engine
                .requestGrowth(datastore, "g-1", id + "-b", 30 * GIB, List.of(), guests.now)
                .decision());
        guests.ackAll(id);
        guests.check(guests.engine
                .prepareMigration(other, datastore, "m-1", id + "-c", Duration.ofMinutes(5), guests.now)
                .decision());
        return datastore;
    }

    @Test
    void aDatastoreReadBackDecidesExactlyAsTheOneSaved() {
        Datastore saved = busy("ds-roundtrip");
        QuarkusTransaction.requiringNew().run(() -> {
            store.lockOrCreate(
                    new Datastore(saved.id(), 0, 0, io.ballast.reservation.budget.DatastorePolicy.strict(0)));
            store.save(saved);
        });

        Datastore read = QuarkusTransaction.requiringNew()
                .call(() -> store.lock("ds-roundtrip").orElseThrow());

        assertThat(Fingerprint.of(read)).isEqualTo(Fingerprint.of(saved));
        assertThat(read.growths()).extracting(g -> g.state().name()).containsExactly("PENDING");
        assertThat(read.migrations()).extracting(m -> m.state().name()).containsExactly("PENDING");
        assertThat(read.disks()).anySatisfy(d -> assertThat(d.command()).isPresent());
        assertThat(read.disks()).anySatisfy(d -> assertThat(d.reclaims()).isNotEmpty());
        assertThat(QuarkusTransaction.requiringNew().call(() -> store.datastoreOf("ds-roundtrip-a")))
                .contains("ds-roundtrip");
        for (var disk : saved.disks()) {
            assertThat(disk.history().knownForecast())
                    .as("the plan estimated the trend of %s", disk.id())
                    .isPresent();
            assertThat(read.disk(disk.id()).orElseThrow().history().knownForecast())
                    .as("a disk read back keeps its trend until a bucket closes: no estimate again")
                    .isEqualTo(disk.history().knownForecast());
        }
    }

    @Test
    void aDiskThatLeftTheDatastoreLosesItsRowThere() {
        Datastore datastore = busy("ds-leaving");
        QuarkusTransaction.requiringNew().run(() -> {
            store.lockOrCreate(datastore);
            store.save(datastore);
        });
        new io.ballast.reservation.budget.BudgetEngine(io.ballast.reservation.budget.EngineSettings.defaults())
                .diskRemoved(datastore, "ds-leaving-a", Instant.now());

        QuarkusTransaction.requiringNew().run(() -> {
            store.lock("ds-leaving").orElseThrow();
            store.save(datastore);
        });

        assertThat(QuarkusTransaction.requiringNew().call(() -> store.datastoreOf("ds-leaving-a")))
                .isEmpty();
        assertThat(QuarkusTransaction.requiringNew()
                        .call(() -> store.lock("ds-leaving").orElseThrow()))
                .satisfies(read -> assertThat(read.disks()).hasSize(1));
    }

    @Test
    void aSecondDecisionOnTheSameDatastoreWaitsForTheFirstToEnd() throws Exception {
        Datastore datastore = busy("ds-locked");
        QuarkusTransaction.requiringNew().run(() -> {
            store.lockOrCreate(datastore);
            store.save(datastore);
        });
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(
                () -> QuarkusTransaction.requiringNew().run(() -> {
                    store.lock("ds-locked").orElseThrow();
                    locked.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
        assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();

        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
                    try (Connection connection = dataSource.getConnection();
                            Statement statement = connection.createStatement()) {
                        statement.execute("SET LOCAL lock_timeout = '300ms'");
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                    store.lock("ds-locked");
                }))
                .hasStackTraceContaining("lock timeout");

        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        assertThat(QuarkusTransaction.requiringNew().call(() -> store.lock("ds-locked")))
                .isPresent();
    }

    @Test
    void aDecisionReadsADisksUsageHistoryOnlyWhenItAddsToItOrEstimatesAgain() throws Exception {
        Guests guests = new Guests();
        Datastore saved = guests.datastore("ds-history", 200 * GIB);
        guests.disk("ds-history", "ds-history-a", "vm-h", 100 * GIB, 10 * GIB, Profile.DEFAULT);
        for (int hour = 0; hour < 24 * 7; hour++) {
            guests.now = guests.now.plus(Duration.ofHours(1));
            guests.report("ds-history", "ds-history-a");
        }
        guests.tick("ds-history");
        QuarkusTransaction.requiringNew().run(() -> {
            store.lockOrCreate(new Datastore(saved.id(), 0, 0, DatastorePolicy.strict(0)));
            store.save(saved);
        });
        long[] stored = storedBytes("ds-history-a");
        assertThat(stored[1])
                .as(
                        "a week of hourly usage is most of what a disk keeps: state %d bytes, history %d",
                        stored[0], stored[1])
                .isGreaterThan(3 * stored[0]);

        QuarkusTransaction.requiringNew().run(() -> {
            Datastore locked = store.lock("ds-history").orElseThrow();
            Disk disk = locked.disk("ds-history-a").orElseThrow();
            guests.engine.tick(locked, List.of(), guests.now.plusSeconds(60));
            assertThat(disk.history().pointsIfRead())
                    .as("a tick plans with the stored forecast and never reads the points")
                    .isEmpty();
            store.save(locked);
        });
        assertThat(storedBytes("ds-history-a")[1]).isEqualTo(stored[1]);

        QuarkusTransaction.requiringNew().run(() -> {
            Datastore locked = store.lock("ds-history").orElseThrow();
            guests.datastores.put("ds-history", locked);
            guests.now = guests.now.plus(Duration.ofHours(1));
            guests.report("ds-history", "ds-history-a");
            store.save(locked);
        });
        Datastore read = QuarkusTransaction.requiringNew()
                .call(() -> store.lock("ds-history").orElseThrow());
        assertThat(read.disk("ds-history-a").orElseThrow().history().points())
                .as("a report in a new hour added its point to the stored week, the oldest dropped")
                .hasSize(24 * 7 + 1)
                .last()
                .satisfies(point -> assertThat(point.at()).isEqualTo(UsageHistory.bucketOf(guests.now)));
    }

    @Test
    void aDiskMovingToAnotherDatastoreKeepsItsStoredHistoryAndOnlyChangedRowsAreWritten() throws Exception {
        Guests guests = new Guests();
        Datastore from = guests.datastore("ds-move-a", 200 * GIB);
        Datastore to = guests.datastore("ds-move-b", 200 * GIB);
        guests.disk("ds-move-a", "ds-move-a-1", "vm-m1", 50 * GIB, 10 * GIB, Profile.DEFAULT);
        guests.disk("ds-move-a", "ds-move-a-2", "vm-m2", 50 * GIB, 10 * GIB, Profile.DEFAULT);
        for (int hour = 0; hour < 24; hour++) {
            guests.now = guests.now.plus(Duration.ofHours(1));
            guests.report("ds-move-a", "ds-move-a-1");
        }
        QuarkusTransaction.requiringNew().run(() -> {
            store.lockOrCreate(new Datastore(from.id(), 0, 0, DatastorePolicy.strict(0)));
            store.lockOrCreate(new Datastore(to.id(), 0, 0, DatastorePolicy.strict(0)));
            store.saveAll(List.of(from, to));
        });
        long historyBefore = storedBytes("ds-move-a-1")[1];
        String stayedVersion = rowVersion("ds-move-a-2");

        QuarkusTransaction.requiringNew().run(() -> {
            Datastore source = store.lock("ds-move-a").orElseThrow();
            Datastore target = store.lock("ds-move-b").orElseThrow();
            guests.engine.diskMoved(source, target, "ds-move-a-1", guests.now);
            assertThat(target.disk("ds-move-a-1").orElseThrow().history().pointsIfRead())
                    .as("moving a disk does not read its history")
                    .isEmpty();
            store.saveAll(List.of(source, target)); // the source first: it loses the disk before the target takes it
        });

        assertThat(QuarkusTransaction.requiringNew().call(() -> store.datastoreOf("ds-move-a-1")))
                .contains("ds-move-b");
        assertThat(storedBytes("ds-move-a-1")[1])
                .as("the history moved with it")
                .isEqualTo(historyBefore);
        assertThat(rowVersion("ds-move-a-2"))
                .as("the disk that stayed, unchanged, is not written again")
                .isEqualTo(stayedVersion);
    }

    /** The transaction that last wrote the disk's row (PostgreSQL's xmin). */
    private String rowVersion(String diskId) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                var row =
                        statement.executeQuery("SELECT xmin::text FROM reservation.disk WHERE id = '" + diskId + "'")) {
            assertThat(row.next()).isTrue();
            return row.getString(1);
        }
    }

    /** What the disk's row keeps: its state and its usage history, in bytes of JSON text. */
    private long[] storedBytes(String diskId) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                var row = statement.executeQuery("SELECT length(state::text), length(history::text)"
                        + " FROM reservation.disk WHERE id = '" + diskId + "'")) {
            assertThat(row.next()).isTrue();
            return new long[] {row.getLong(1), row.getLong(2)};
        }
    }

    @Test
    void theLedgerPagesNewestFirstAndFiltersByDiskAndDatastore() {
        Instant at = Instant.parse("2026-12-05T12:00:00Z");
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < 5; i++) {
                store.append(List.of(
                        new BudgetChange("ledger-ds", "ledger-disk", i, i + 1, "plan " + i, at.plusSeconds(i)),
                        new BudgetChange("ledger-ds", "other-disk", i, i + 1, "plan " + i, at.plusSeconds(i))));
            }
        });

        LedgerPage first = QuarkusTransaction.requiringNew()
                .call(() -> store.ledger(Optional.of("ledger-disk"), Optional.empty(), Optional.empty(), 3));
        LedgerPage second = QuarkusTransaction.requiringNew()
                .call(() -> store.ledger(Optional.of("ledger-disk"), Optional.of("ledger-ds"), first.next(), 3));

        assertThat(first.lines()).extracting(l -> l.change().reason()).containsExactly("plan 4", "plan 3", "plan 2");
        assertThat(second.lines()).extracting(l -> l.change().reason()).containsExactly("plan 1", "plan 0");
        assertThat(second.next()).isEmpty();
    }
}
