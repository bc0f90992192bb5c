package io.ballast.support.store;

import io.ballast.local.LocalDatabase;
import io.ballast.testsupport.Postgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A schema of its own on the tests' real PostgreSQL, migrated with store-support's own migration as Flyway runs it
 * for a service (the schema first on the search path), for the plain tests of the outbox and inbox.
 */
final class StoreFixture {

    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static final String MIGRATION = "/db/migration/R__ballast_outbox_inbox.sql";

    private StoreFixture() {}

    static DataSource dataSource() {
        LocalDatabase.Database database = Postgres.shared().freshDatabase("store");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(database.jdbcUrl());
        dataSource.setUser(database.username());
        dataSource.setPassword(database.password());
        return dataSource;
    }

    /** A new schema holding the outbox and inbox tables. */
    static StoreSchema migratedSchema(DataSource dataSource) throws SQLException {
        StoreSchema schema =
                new StoreSchema("store_test_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet());
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema.name());
            statement.execute("SET search_path TO " + schema.name());
            statement.execute(migration());
            // Run twice: a repeatable migration runs again whenever it changes.
            statement.execute(migration());
        }
        return schema;
    }

    private static String migration() {
        try (InputStream in = StoreFixture.class.getResourceAsStream(MIGRATION)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
