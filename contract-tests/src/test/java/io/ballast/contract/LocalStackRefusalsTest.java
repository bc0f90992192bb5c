package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.testsupport.Program;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps {@code ./ballast up} (or another command of the script) from starting is said in one line, with the exit
 * code that tells a refusal from a failure, and nothing is started. These run no stack: {@link LocalStackTest}'s stack
 * lives from its first test to its last, and test classes here run one at a time, so the ports these tests hold or
 * expect free are never the stack's.
 */
class LocalStackRefusalsTest {

    private static final Path ROOT = Program.ROOT;

    @Test
    void aTakenPortIsOneLineAndStartsNothing() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            bindUnlessTaken(taken, 8081);
            assertOneLineFailure(
                    ballast(Map.of(), "up"),
                    1,
                    "ballast: port 8081 (needed by inventory-service) is in use by another process; stop it (see: ss"
                            + " -ltnp 'sport = :8081') and run ./ballast up again");
        }
    }

    @Test
    void anUnreachableDatabaseIsOneLine() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        assertOneLineFailure(
                ballast(Map.of("BALLAST_DB_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/ballast"), "up"),
                1,
                "ballast: cannot reach PostgreSQL at 127.0.0.1:" + closedPort
                        + " (from BALLAST_DB_URL); start it, fix the URL, or unset BALLAST_DB_URL to use the"
                        + " embedded server");
    }

    @Test
    void aMalformedDatabaseUrlIsOneLine() throws Exception {
        assertOneLineFailure(
                ballast(Map.of("BALLAST_DB_URL", "postgres://db/ballast"), "up"),
                1,
                "ballast: BALLAST_DB_URL must look like jdbc:postgresql://HOST:PORT/DATABASE, not"
                        + " 'postgres://db/ballast'");
    }

    @Test
    void aRealGuestWithoutTheSimulatedFleetIsOneLineAndExitCodeTwo() throws Exception {
        assertOneLineFailure(
                ballast(Map.of(), "up", "--real-guest", "--no-demo"),
                2,
                "ballast: --real-guest is a VM of the simulated fleet; leave out --no-demo");
    }

    @Test
    void aFleetSizeWithoutItsVmsIsOneLineNamingTheExpectedFormAndExitCodeTwo() throws Exception {
        assertOneLineFailure(
                ballast(Map.of(), "up", "--fleet", "hosts=5"),
                2,
                "ballast: --fleet takes both hosts=H and vms=V, not 'hosts=5'");
    }

    @Test
    void withoutAJdk25UpSaysWhatToInstall(@TempDir Path bin) throws Exception {
        for (String tool : List.of("bash", "dirname", "sort", "sed", "cut", "readlink", "timeout")) {
            Path target = Path.of("/usr/bin", tool);
            Files.createSymbolicLink(bin.resolve(tool), Files.exists(target) ? target : Path.of("/bin", tool));
        }
        Launch withoutJdk = Launch.of(
                        "ballast up",
                        List.of(
                                bin.resolve("bash").toString(),
                                ROOT.resolve("ballast").toString(),
                                "up"))
                .withDirectory(ROOT)
                .withOnlyEnvironment(
                        Map.of("PATH", bin.toString(), "HOME", bin.toString(), "BALLAST_JDK_DIRS", "/nonexistent"));
        assertOneLineFailure(
                Launcher.start(withoutJdk),
                1,
                "ballast: needs a JDK 25 or newer and found none (JAVA_HOME=unset, /nonexistent, PATH); install one"
                        + " (e.g. Temurin 25) or set JAVA_HOME to it");
    }

    @Test
    void anUnknownCommandIsOneLineAndExitCodeTwo() throws Exception {
        assertOneLineFailure(
                ballast(Map.of(), "frobnicate"),
                2,
                "ballast: unknown command 'frobnicate' (./ballast help lists them)");
    }

    @Test
    void anUnknownRoleIsOneLineAndExitCodeTwo() throws Exception {
        assertOneLineFailure(
                ballast(Map.of(), "token", "--role", "admin"),
                2,
                "ballast token: unknown role 'admin'; use one of viewer, operator, orchestrator");
    }

    /** {@code ./ballast ARGUMENTS} on what this build packaged, with the tests' environment and {@code more}. */
    static LaunchedProgram ballast(Map<String, String> more, String... arguments) {
        return Launcher.start(Launch.of("ballast " + String.join(" ", arguments), Program.CHECKOUT.ballast(arguments))
                .withDirectory(ROOT)
                .withoutEnvironment("BALLAST_DB_URL")
                .withEnvironment(Map.of("BALLAST_BUILD", "never"))
                .withEnvironment(more));
    }

    private static void assertOneLineFailure(LaunchedProgram program, int exitCode, String line) throws Exception {
        try (program) {
            assertThat(program.awaitExit(Duration.ofSeconds(60)))
                    .as("exit code; output:%n%s", program.outputText())
                    .hasValue(exitCode);
            assertThat(program.output()).containsExactly(line);
        }
    }

    /** Binds the socket to the port, unless another process holds it already (then it is taken anyway). */
    private static void bindUnlessTaken(ServerSocket socket, int port) throws IOException {
        try {
            socket.bind(new InetSocketAddress("127.0.0.1", port));
        } catch (java.net.BindException e) {
            assertThat(accepts(port))
                    .as("port %d is held by another process", port)
                    .isTrue();
        }
    }

    static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
