package io.ballast.testsupport;

import io.ballast.local.LocalDatabase;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tests' PostgreSQL server: the one {@code BALLAST_DB_URL} names, or else an embedded server started on first
 * use and stopped when the JVM exits (the local runtime's {@link LocalDatabase}).
 */
public final class Postgres {

    private static final AtomicInteger DATABASE_SEQUENCE = new AtomicInteger();
    private static Postgres shared;

    private final Optional<LocalDatabase> embedded;
    private final Optional<LocalDatabase.Database> external;

    private Postgres(Optional<LocalDatabase> embedded, Optional<LocalDatabase.Database> external) {
        this.embedded = embedded;
        this.external = external;
    }

    /** The server for this JVM: external when {@code BALLAST_DB_URL} is set, else embedded (started once). */
    public static synchronized Postgres shared() {
        if (shared == null) {
            Optional<LocalDatabase.Database> external = LocalDatabase.external();
            if (external.isPresent()) {
                shared = new Postgres(Optional.empty(), external);
            } else {
                LocalDatabase embedded = LocalDatabase.startEmbedded(0);
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::close, "postgres-stop"));
                shared = new Postgres(Optional.of(embedded), Optional.empty());
            }
        }
        return shared;
    }

    /** Whether the tests run against an existing server ({@code BALLAST_DB_URL}), whose databases they share. */
    public boolean isExternal() {
        return external.isPresent();
    }

    /**
     * A database of its own for one test run: a new empty database on the embedded server, or the external database
     * as configured (shared between runs, so tests must not assume it is empty).
     */
    public LocalDatabase.Database freshDatabase(String prefix) {
        return external.orElseGet(
                () -> embedded.orElseThrow().create(prefix + "_" + DATABASE_SEQUENCE.incrementAndGet()));
    }
}
