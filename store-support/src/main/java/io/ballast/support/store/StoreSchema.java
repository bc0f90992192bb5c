package io.ballast.support.store;

import java.util.regex.Pattern;

/**
 * The service's own schema, where the outbox and inbox tables live ({@code reservation.ballast_outbox}). Plain JDBC
 * connections do not search the service's schema, so every statement names it.
 *
 * @param name a plain lower-case identifier, e.g. {@code reservation}
 */
public record StoreSchema(String name) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /** The outbox table: events waiting for the relay. */
    static final String OUTBOX = "ballast_outbox";

    /** The inbox table: event ids each consumer handled. */
    static final String INBOX = "ballast_inbox";

    /** Events the broker refused for good. */
    static final String OUTBOX_PARKED = "ballast_outbox_parked";

    /** @throws IllegalArgumentException if {@code name} is not a plain lower-case identifier */
    public StoreSchema {
        if (name == null || !IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("schema '" + name + "' is not a plain lower-case identifier");
        }
    }

    /** {@code schema.table}. */
    String table(String table) {
        return name + "." + table;
    }
}
