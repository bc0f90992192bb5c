package io.ballast.inventory.store;

import io.ballast.inventory.history.VmHistory;
import java.sql.Timestamp;
import java.util.List;
import java.util.function.Function;

/** How a source of a VM's history selects its rows from a {@link VmHistory.From}, in plain SQL. */
public final class HistoryRows {

    private HistoryRows() {}

    /**
     * The condition that keeps the rows from {@code from}, its values added to {@code parameters} (numbered after
     * those already there). The source orders its rows by {@code atColumn}, then {@code keyColumn}.
     *
     * @param keyColumn orders rows of the same time; null for a source with one row a time
     * @param key the value of the source's key column a position's key stands for
     */
    public static String from(
            VmHistory.From from,
            String atColumn,
            String keyColumn,
            Function<String, Object> key,
            List<Object> parameters) {
        parameters.add(Timestamp.from(from.at()));
        String at = "?" + parameters.size();
        if (from.inclusive()) {
            return atColumn + " >= " + at;
        }
        if (from.afterKey().isEmpty() || keyColumn == null) {
            return atColumn + " > " + at;
        }
        parameters.add(key.apply(from.afterKey().get()));
        return "(" + atColumn + " > " + at + " OR (" + atColumn + " = " + at + " AND " + keyColumn + " > ?"
                + parameters.size() + "))";
    }
}
