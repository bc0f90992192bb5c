package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code ./ballast up} refuses before it starts anything (the whole stack is run by contract-tests). */
class LocalStackPreflightTest {

    @Test
    void aMalformedDatabaseUrlIsRefusedInOneLine() {
        assertThatThrownBy(() -> LocalStack.preflight(Map.of("BALLAST_DB_URL", "postgres://db/ballast")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "BALLAST_DB_URL must look like jdbc:postgresql://HOST:PORT/DATABASE, not 'postgres://db/ballast'");
    }

    @Test
    void anUnreachableDatabaseIsNamedByHostAndPort() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0)) {
            closed = probe.getLocalPort();
        }
        int port = closed;
        assertThatThrownBy(() -> LocalStack.preflight(
                        Map.of("BALLAST_DB_URL", "jdbc:postgresql://127.0.0.1:" + port + "/ballast")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot reach PostgreSQL at 127.0.0.1:" + port + " (from BALLAST_DB_URL)");
    }

    @Test
    void aReachableDatabaseWithoutAPortMeans5432AndPasses() throws Exception {
        try (ServerSocket database = new ServerSocket()) {
            database.bind(new InetSocketAddress("127.0.0.1", 0));
            String url = "jdbc:postgresql://127.0.0.1:" + database.getLocalPort() + "/ballast";
            assertThatCode(() -> LocalStack.preflight(Map.of("BALLAST_DB_URL", url)))
                    .doesNotThrowAnyException();
        }
        assertThatThrownBy(() -> LocalStack.preflight(Map.of("BALLAST_DB_URL", "jdbc:postgresql://192.0.2.1/ballast")))
                .hasMessageStartingWith("cannot reach PostgreSQL at 192.0.2.1:5432 ");
    }
}
