package io.ballast.testsupport;

import io.ballast.local.LocalDatabase;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The tests' PostgreSQL server: the one {@code BALLAST_DB_URL} names, or else one started on first use and stopped
 * when the JVM exits: embedded (the local runtime's {@link LocalDatabase}), or in a container when
 * {@link TestInfrastructure} says so (the Maven profile {@code testcontainers}).
 */
public final class Postgres {

    private static final AtomicInteger DATABASE_SEQUENCE = new AtomicInteger();
    private static Postgres shared;

    /** Creates a database of the given name, or hands out the external one whatever the name. */
    private final Function<String, LocalDatabase.Database> databases;

    private final boolean external;

    private Postgres(Function<String, LocalDatabase.Database> databases, boolean external) {
        this.databases = databases;
        this.external = external;
    }

    /**
     * The server for this JVM: external when {@code BALLAST_DB_URL} is set, else a container under the
     * {@code testcontainers} profile, else embedded (started once).
     */
    public static synchronized Postgres shared() {
        if (shared == null) {
            Optional<LocalDatabase.Database> external = LocalDatabase.external();
            if (external.isPresent()) {
                shared = new Postgres(name -> external.get(), true);
            } else if (TestInfrastructure.fromContainers()) {
                TestInfrastructure.DatabaseServer server =
                        TestInfrastructure.containers().startPostgres();
                Runtime.getRuntime().addShutdownHook(new Thread(server::close, "postgres-stop"));
                shared = new Postgres(server::create, false);
            } else {
                LocalDatabase embedded = LocalDatabase.startEmbedded(0);
                Runtime.getRuntime().addShutdownHook(new Thread(embedded::close, "postgres-stop"));
                shared = new Postgres(embedded::create, false);
            }
        }
        return shared;
    }

    /** Whether the tests run against an existing server ({@code BALLAST_DB_URL}), whose databases they share. */
    public boolean isExternal() {
        return external;
    }

    /**
     * A database of its own for one test run: a new empty database on the embedded or container server, or the
     * external database as configured (shared between runs, so tests must not assume it is empty).
     */
    public LocalDatabase.Database freshDatabase(String prefix) {
        return databases.apply(prefix + "_" + DATABASE_SEQUENCE.incrementAndGet());
    }
}
