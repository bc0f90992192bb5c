package io.ballast.inventory.store;

import jakarta.persistence.EntityManager;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/** Plain SQL through the current transaction's connection, for what the entity model does not say well. */
public final class NativeRows {

    private NativeRows() {}

    /** The rows {@code sql} answers, with {@code parameters} as {@code ?1}, {@code ?2}... */
    @SuppressWarnings("unchecked")
    public static List<Object[]> rows(EntityManager entities, String sql, Object... parameters) {
        var query = entities.createNativeQuery(sql);
        for (int i = 0; i < parameters.length; i++) {
            query.setParameter(i + 1, parameters[i]);
        }
        return query.getResultList();
    }

    /** A {@code timestamptz} column's value, however the driver hands it over. */
    public static Instant instant(Object value) {
        return switch (value) {
            case Instant instant -> instant;
            case Timestamp timestamp -> timestamp.toInstant();
            case OffsetDateTime offset -> offset.toInstant();
            default -> throw new IllegalStateException("not a time: " + value.getClass());
        };
    }

    /** A {@code bigint} (or numeric) column's value. */
    public static long bytes(Object value) {
        return ((Number) value).longValue();
    }
}
