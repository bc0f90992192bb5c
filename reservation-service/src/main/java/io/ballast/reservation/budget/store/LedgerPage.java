package io.ballast.reservation.budget.store;

import io.ballast.reservation.budget.BudgetChange;
import java.util.List;
import java.util.Optional;

/**
 * A page of the ledger, newest first.
 *
 * @param next the cursor of the next (older) page: pass it as {@code before}; empty on the last page
 */
public record LedgerPage(List<Line> lines, Optional<Long> next) {

    /** A ledger line and its position (ids grow with time). */
    public record Line(long id, BudgetChange change) {}

    public LedgerPage {
        lines = List.copyOf(lines);
    }
}
