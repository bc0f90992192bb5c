package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack through the real {@code ./ballast} script, on the programs this build packaged: every service
 * ready, SIGTERM (what Ctrl-C turns into) stopping everything, and each bad configuration refused in one line.
 */
class LocalStackTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final List<Integer> SERVICE_PORTS = List.of(8081, 8082, 8083, 8084);

    @Test
    void upMakesEveryServiceReadyAndSigtermLeavesNothingRunning() throws Exception {
        for (int port : SERVICE_PORTS) {
            assertThat(accepts(port))
                    .as("port %d must be free for this test", port)
                    .isFalse();
        }
        Process up = ballast(Map.of(), "up");
        List<String> output = collect(up);
        List<ProcessHandle> descendants = List.of();
        try {
            awaitLine(output, up, "Press Ctrl-C to stop.", Duration.ofMinutes(3));
            descendants = up.descendants().toList();
            assertThat(descendants).hasSizeGreaterThanOrEqualTo(5);

            HttpClient http = HttpClient.newHttpClient();
            for (int port : SERVICE_PORTS) {
                HttpResponse<String> ready = http.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ready.statusCode()).as("readiness of port %d", port).isEqualTo(200);
                assertThat(ready.body()).contains("\"status\": \"UP\"");
            }
            int kafkaPort = port(output, "^  Kafka +localhost:(\\d+)$");
            int postgresPort = port(output, "^  PostgreSQL +jdbc:postgresql://localhost:(\\d+)/ballast$");
            assertThat(ROOT.resolve(".ballast/run/infra.env")).exists();

            // SIGTERM, as Ctrl-C's trap or a service manager sends it; unlike Process.destroy() this keeps the
            // output pipe open, so the script's last lines can be read.
            assertThat(up.toHandle().destroy()).isTrue();
            assertThat(up.waitFor(90, TimeUnit.SECONDS))
                    .as("stopped within 90 s")
                    .isTrue();
            assertThat(up.exitValue()).isZero();
            assertThat(output).contains("ballast: stopped");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (descendants.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(descendants.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::info))
                    .isEmpty();
            for (int port : List.of(8081, 8082, 8083, 8084, 8443, kafkaPort, postgresPort)) {
                assertThat(accepts(port)).as("port %d closed", port).isFalse();
            }
            assertThat(ROOT.resolve(".ballast/run/infra.env")).doesNotExist();
        } finally {
            up.descendants().forEach(ProcessHandle::destroyForcibly);
            descendants.forEach(ProcessHandle::destroyForcibly);
            up.destroyForcibly();
        }
    }

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
    void withoutAJdk25UpSaysWhatToInstall(@TempDir Path bin) throws Exception {
        for (String tool : List.of("bash", "dirname", "sort", "sed", "cut", "readlink", "timeout")) {
            Path target = Path.of("/usr/bin", tool);
            Files.createSymbolicLink(bin.resolve(tool), Files.exists(target) ? target : Path.of("/bin", tool));
        }
        ProcessBuilder builder = new ProcessBuilder(
                        bin.resolve("bash").toString(), ROOT.resolve("ballast").toString(), "up")
                .directory(ROOT.toFile())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment()
                .putAll(Map.of("PATH", bin.toString(), "HOME", bin.toString(), "BALLAST_JDK_DIRS", "/nonexistent"));
        assertOneLineFailure(
                builder.start(),
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

    private static Process ballast(Map<String, String> environment, String... arguments) throws IOException {
        var command = new java.util.ArrayList<String>();
        command.add(ROOT.resolve("ballast").toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().remove("BALLAST_DB_URL");
        builder.environment().put("BALLAST_BUILD", "never");
        builder.environment().putAll(environment);
        return builder.start();
    }

    private static void assertOneLineFailure(Process process, int exitCode, String line) throws Exception {
        List<String> output = collect(process);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(100);
        assertThat(process.exitValue()).isEqualTo(exitCode);
        assertThat(output).containsExactly(line);
    }

    private static List<String> collect(Process process) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                in.lines().forEach(lines::add);
            } catch (IOException e) {
                lines.add("<output unreadable: " + e.getMessage() + ">");
            }
        });
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static void awaitLine(List<String> output, Process process, String line, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!output.contains(line)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("no line '" + line + "' (alive=" + process.isAlive() + "); output:\n"
                        + String.join("\n", output));
            }
            Thread.sleep(250);
        }
    }

    private static int port(List<String> output, String regex) {
        Pattern pattern = Pattern.compile(regex);
        for (String line : output) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.matches()) {
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new AssertionError("no line matching " + regex + " in:\n" + String.join("\n", output));
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

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
