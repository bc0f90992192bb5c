package io.ballast.reservation.budget.store;

import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.Decision;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.Effect;
import io.ballast.reservation.budget.events.EffectEvents;
import io.ballast.reservation.budget.metrics.BudgetMetrics;
import io.ballast.support.store.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Where every decision is taken and kept: in one transaction, the datastores it is about are locked (in id order, so
 * two decisions on the same pair never deadlock), the engine decides on them, and the datastores, the ledger lines and
 * the events of the decision's effects (through the outbox) are written together. A decision that throws (a refusal,
 * a store failure) rolls all of it back: nothing is kept and nothing is sent.
 *
 * <p>This is how several instances share the work: each decision on a datastore waits for its row lock, whichever
 * instance takes it.
 */
@ApplicationScoped
public class Decisions {

    private static final Logger LOG = Logger.getLogger(Decisions.class);

    private final BudgetStore store;
    private final Outbox outbox;
    private final BudgetMetrics metrics;

    Decisions(BudgetStore store, Outbox outbox, BudgetMetrics metrics) {
        this.store = store;
        this.outbox = outbox;
        this.metrics = metrics;
    }

    /** The datastores one transaction locked, and what was decided on them. */
    public final class Locked {

        private final Map<String, Datastore> datastores = new LinkedHashMap<>();
        private final List<Decision> decisions = new ArrayList<>();

        /** A datastore this transaction locked; empty for one that does not exist. */
        public Optional<Datastore> find(String datastoreId) {
            return Optional.ofNullable(datastores.get(datastoreId));
        }

        /** A datastore this transaction locked, which must exist. */
        public Datastore get(String datastoreId) {
            return find(datastoreId)
                    .orElseThrow(() -> new io.ballast.support.errors.Refusal.NotFound("datastore", datastoreId));
        }

        /** Every datastore this transaction locked, in id order. */
        public Collection<Datastore> all() {
            return List.copyOf(datastores.values());
        }

        /**
         * Removes a locked datastore that holds no disk.
         *
         * @return false, and nothing removed, when it still holds one
         */
        public boolean removeIfEmpty(String datastoreId) {
            Datastore datastore = get(datastoreId);
            if (!datastore.disks().isEmpty() || !store.removeDatastoreIfEmpty(datastoreId)) {
                return false;
            }
            datastores.remove(datastoreId);
            return true;
        }

        /** Adds a datastore the transaction creates, locked like the others. */
        public Datastore create(Datastore fresh) {
            Datastore created = store.lockOrCreate(fresh);
            datastores.put(created.id(), created);
            return created;
        }

        /** Keeps {@code decision}: its ledger lines and effects are written when the transaction's step returns. */
        public Decision keep(Decision decision) {
            decisions.add(decision);
            return decision;
        }

        /** The store, for the lookups a step makes under its locks. */
        public BudgetStore store() {
            return store;
        }
    }

    /**
     * Locks {@code datastoreIds} (those that exist), runs {@code step} on them and keeps what it decided, in the
     * caller's transaction or a new one.
     */
    @Transactional
    public <R> R on(Collection<String> datastoreIds, Function<Locked, R> step) {
        Locked locked = new Locked();
        for (String id : new TreeSet<>(datastoreIds)) {
            store.lock(id).ifPresent(datastore -> locked.datastores.put(id, datastore));
        }
        R result = step.apply(locked);
        keep(locked);
        return result;
    }

    /**
     * {@link #on} for one datastore unless another transaction holds its lock: then nothing, at once (a periodic pass
     * skips a datastore a decision is busy with). Empty also when the step returns null.
     */
    @Transactional
    public <R> Optional<R> onIfFree(String datastoreId, Function<Locked, R> step) {
        Optional<Datastore> datastore = store.tryLock(datastoreId);
        if (datastore.isEmpty()) {
            return Optional.empty();
        }
        Locked locked = new Locked();
        locked.datastores.put(datastoreId, datastore.get());
        R result = step.apply(locked);
        keep(locked);
        return Optional.ofNullable(result);
    }

    private void keep(Locked locked) {
        store.saveAll(locked.datastores.values());
        for (Decision decision : locked.decisions) {
            store.append(decision.changes());
            for (Effect effect : decision.effects()) {
                send(locked, effect);
            }
            if (decision.invariantViolations() > 0) {
                LOG.errorf(
                        "decision raised demand above the limit violations=%d datastores=%s",
                        decision.invariantViolations(), locked.datastores.keySet());
                metrics.violations(decision.invariantViolations());
            }
        }
        locked.datastores.values().forEach(metrics::decided);
    }

    private void send(Locked locked, Effect effect) {
        String guestName = "";
        if (effect instanceof Effect.SendBallast send) {
            guestName = store.guestName(send.diskId())
                    .or(() -> serialOf(locked, send.diskId()))
                    .orElse(send.diskId());
        }
        if (effect instanceof Effect.RequestReclaim request) {
            store.reclaimJobFor(request.reclaim().jobId(), request.diskId());
        }
        EffectEvents.Event event = EffectEvents.of(effect, guestName);
        outbox.add(event.topic(), event.key(), event.payload());
    }

    private static Optional<String> serialOf(Locked locked, String diskId) {
        return locked.datastores.values().stream()
                .flatMap(datastore -> datastore.disk(diskId).stream())
                .map(Disk::serial)
                .filter(serial -> !serial.isBlank())
                .findFirst();
    }
}
