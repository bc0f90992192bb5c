package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class LocalDatabaseTest {

    @Test
    void anEmbeddedServerCreatesRealSeparateDatabases() throws Exception {
        try (LocalDatabase server = LocalDatabase.startEmbedded(0)) {
            LocalDatabase.Database first = server.create("probe_one");
            LocalDatabase.Database second = server.create("probe_two");

            try (var a = DriverManager.getConnection(first.jdbcUrl(), first.username(), first.password());
                    var b = DriverManager.getConnection(second.jdbcUrl(), second.username(), second.password())) {
                a.createStatement().execute("CREATE TABLE only_in_first (id int)");
                var version = a.createStatement().executeQuery("SHOW server_version");
                version.next();
                assertThat(version.getString(1)).startsWith("17.");
                var tables = b.createStatement()
                        .executeQuery(
                                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_first'");
                tables.next();
                assertThat(tables.getInt(1)).isZero();
            }
            assertThat(first.environment()).containsEntry(LocalDatabase.URL_VARIABLE, first.jdbcUrl());
        }
    }

    @Test
    void refusesADatabaseNameThatIsNotAPlainIdentifier() {
        assertThatThrownBy(() -> LocalDatabase.requirePlainName("drop; table"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("database name 'drop; table' is not a plain lower-case identifier");
    }

    @Test
    void aRestartedServerEndsItsSessionsAndKeepsItsDataAndPort() throws Exception {
        try (LocalDatabase server = LocalDatabase.startEmbedded(0)) {
            int port = server.port();
            LocalDatabase.Database database = server.create("probe_restart");
            String startedBefore;
            try (Connection before = connect(database)) {
                before.createStatement().execute("CREATE TABLE kept (id int)");
                before.createStatement().execute("INSERT INTO kept VALUES (1), (2), (3)");
                startedBefore = postmasterStart(before);

                long started = System.nanoTime();
                server.restart();
                System.out.printf("PostgreSQL restarted in %d ms%n", (System.nanoTime() - started) / 1_000_000);

                assertThatThrownBy(() -> before.createStatement().executeQuery("SELECT 1"))
                        .as("a session of the server before the restart was ended")
                        .isInstanceOf(SQLException.class);
            }
            assertThat(server.port()).isEqualTo(port);
            try (Connection after = connect(database)) {
                var rows = after.createStatement().executeQuery("SELECT count(*), current_setting('port') FROM kept");
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(3);
                assertThat(rows.getInt(2)).isEqualTo(port);
                assertThat(postmasterStart(after)).as("a new server process").isNotEqualTo(startedBefore);
            }
            server.restart();
            try (Connection again = connect(database)) {
                var rows = again.createStatement().executeQuery("SELECT count(*) FROM kept");
                rows.next();
                assertThat(rows.getInt(1))
                        .as("a second restart keeps the data too")
                        .isEqualTo(3);
            }
        }
    }

    private static Connection connect(LocalDatabase.Database database) throws SQLException {
        return DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password());
    }

    private static String postmasterStart(Connection connection) throws SQLException {
        var row = connection.createStatement().executeQuery("SELECT pg_postmaster_start_time()::text");
        row.next();
        return row.getString(1);
    }
}
