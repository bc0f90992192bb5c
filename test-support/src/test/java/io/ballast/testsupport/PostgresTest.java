package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

class PostgresTest {

    @Test
    void freshDatabasesAreRealAndSeparate() throws Exception {
        Postgres.Database first = Postgres.shared().freshDatabase("probe");
        Postgres.Database second = Postgres.shared().freshDatabase("probe");

        try (var a = DriverManager.getConnection(first.jdbcUrl(), first.username(), first.password());
                var b = DriverManager.getConnection(second.jdbcUrl(), second.username(), second.password())) {
            a.createStatement().execute("CREATE TABLE only_in_first (id int)");
            var version = a.createStatement().executeQuery("SHOW server_version");
            version.next();
            assertThat(version.getString(1)).startsWith("17.");
            var tables = b.createStatement()
                    .executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_first'");
            tables.next();
            if (System.getenv(Postgres.URL_VARIABLE) == null) {
                assertThat(tables.getInt(1)).isZero();
            }
        }
    }

    @Test
    void refusesADatabaseNameThatIsNotAPlainIdentifier() {
        assertThatThrownBy(() -> Postgres.createDatabase(null, "drop; table"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("database name 'drop; table' is not a plain lower-case identifier");
    }
}
