package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.DriverManager;
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
}
