package io.ballast.reservation.budget.store;

import io.ballast.reservation.budget.BudgetEngine;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.Planner;
import io.ballast.reservation.budget.Room;
import io.ballast.reservation.budget.config.ReservationConfig;
import io.ballast.reservation.budget.events.BudgetInputs;
import io.ballast.reservation.budget.metrics.BudgetMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The passing of time for every datastore, every {@code ballast.reservation.tick-interval}: holds, growths and
 * migrations expire, disks inventory described before their datastore are added, silent agents go offline,
 * unanswered commands and reclaim jobs are sent again, budgets are planned again with their alerts, and the
 * time-to-full gauge follows the forecast. Every instance ticks every datastore; one that another transaction holds
 * is skipped until the next tick rather than waited for. State lives in PostgreSQL, so a restarted instance picks up
 * where the last decision left off.
 */
@ApplicationScoped
public class Ticks {

    private static final Logger LOG = Logger.getLogger(Ticks.class);

    private final Decisions decisions;
    private final BudgetStore store;
    private final BudgetEngine engine;
    private final BudgetMetrics metrics;
    private final ReservationConfig config;
    private final Clock clock;
    private final BudgetInputs inputs;
    private ScheduledExecutorService scheduler;

    Ticks(
            Decisions decisions,
            BudgetStore store,
            BudgetEngine engine,
            BudgetMetrics metrics,
            ReservationConfig config,
            Clock clock,
            BudgetInputs inputs) {
        this.decisions = decisions;
        this.store = store;
        this.engine = engine;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
        this.inputs = inputs;
    }

    void start(@Observes StartupEvent start) {
        long every = config.tickInterval().toMillis();
        scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("ballast-budget-ticks").daemon().factory());
        scheduler.scheduleWithFixedDelay(this::tickAll, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stop) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** One pass over every datastore; a datastore whose tick fails is logged and tried at the next pass. */
    public void tickAll() {
        List<Room> rooms;
        List<String> ids;
        try {
            rooms = store.rooms();
            ids = store.datastoreIds();
        } catch (RuntimeException e) {
            LOG.warnf("tick skipped: the store could not be read reason=%s", e.toString());
            return;
        }
        long start = System.nanoTime();
        int skipped = 0;
        for (String id : ids) {
            try {
                if (!tick(
                        id,
                        rooms.stream()
                                .filter(room -> !room.datastoreId().equals(id))
                                .toList())) {
                    skipped++;
                }
            } catch (RuntimeException e) {
                LOG.warnf(e, "tick failed datastore=%s", id);
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.ticked(took, skipped);
        if (took.compareTo(config.tickInterval()) > 0) {
            LOG.warnf(
                    "a tick pass took longer than the tick interval took=%dms interval=%dms datastores=%d skipped=%d",
                    took.toMillis(), config.tickInterval().toMillis(), ids.size(), skipped);
        }
    }

    /** Ticks one datastore; false when another decision held it. */
    private boolean tick(String datastoreId, List<Room> others) {
        return decisions
                .onIfFree(datastoreId, locked -> {
                    Datastore datastore = locked.get(datastoreId);
                    Instant now = clock.instant();
                    inputs.adoptWaiting(locked, datastore, now);
                    locked.keep(engine.tick(datastore, others, now));
                    metrics.timeToFull(
                            datastoreId,
                            BudgetEngine.timeToFull(datastore, Planner.plan(datastore, config.forecastHorizon())));
                    return Boolean.TRUE;
                })
                .isPresent();
    }
}
