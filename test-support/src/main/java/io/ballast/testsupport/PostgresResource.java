package io.ballast.testsupport;

import io.ballast.local.LocalDatabase;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: a fresh database on the JVM's real PostgreSQL server ({@link Postgres#shared()}: embedded, or
 * in a container under the {@code testcontainers} profile), or the database {@code BALLAST_DB_URL} names.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        LocalDatabase.Database database = Postgres.shared().freshDatabase("test");
        return Map.of(
                "quarkus.datasource.jdbc.url", database.jdbcUrl(),
                "quarkus.datasource.username", database.username(),
                "quarkus.datasource.password", database.password());
    }

    @Override
    public void stop() {
        // The database stays until the server stops with the JVM; nothing else holds it.
    }
}
