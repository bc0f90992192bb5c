package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.LocalDatabase;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

class PostgresTest {

    @Test
    void freshDatabasesAreRealAndSeparate() throws Exception {
        LocalDatabase.Database first = Postgres.shared().freshDatabase("probe");
        LocalDatabase.Database second = Postgres.shared().freshDatabase("probe");

        try (var a = DriverManager.getConnection(first.jdbcUrl(), first.username(), first.password());
                var b = DriverManager.getConnection(second.jdbcUrl(), second.username(), second.password())) {
            a.createStatement().execute("CREATE TABLE IF NOT EXISTS only_in_first (id int)");
            var tables = b.createStatement()
                    .executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = 'only_in_first'");
            tables.next();
            assertThat(tables.getInt(1)).isEqualTo(Postgres.shared().isExternal() ? 1 : 0);
        }
    }
}
