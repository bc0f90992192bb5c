package io.ballast.reservation.budget;

import java.util.ArrayList;
import java.util.List;

/**
 * What one call of the engine decided: the effects to send and the ledger lines to append, in order. The service
 * writes both in the transaction that saves the datastore, so none is lost or sent for a decision that was not kept.
 */
public final class Decision {

    private final List<Effect> effects = new ArrayList<>();
    private final List<BudgetChange> changes = new ArrayList<>();
    private int invariantViolations;

    void add(Effect effect) {
        effects.add(effect);
    }

    void ledger(BudgetChange change) {
        changes.add(change);
    }

    void violation() {
        invariantViolations++;
    }

    public List<Effect> effects() {
        return List.copyOf(effects);
    }

    public List<BudgetChange> changes() {
        return List.copyOf(changes);
    }

    /**
     * How many times this decision found a datastore's demand raised above its limit by the decision itself. Must
     * be 0: a non-zero count is a bug, counted in {@code ballast_invariant_violations_total}.
     */
    public int invariantViolations() {
        return invariantViolations;
    }

    /** The effects of one kind, for tests and adapters. */
    public <T extends Effect> List<T> effects(Class<T> kind) {
        return effects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
