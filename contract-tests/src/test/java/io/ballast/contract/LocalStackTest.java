package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import io.ballast.testsupport.Program;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack through the real {@code ./ballast} script, on the programs this build packaged: every service
 * ready, SIGTERM (what Ctrl-C turns into) stopping everything, and each bad configuration refused in one line.
 */
class LocalStackTest {

    private static final Path ROOT = Program.ROOT;
    private static final List<Integer> SERVICE_PORTS = List.of(8081, 8082, 8083, 8084);
    /** The default fleet's first datastore: host-001's, whose guests grow. */
    private static final String FIRST_DATASTORE = "00000001-0000-4000-9000-000000000000";

    @Test
    void upMakesEveryServiceReadyAndSigtermLeavesNothingRunning() throws Exception {
        for (int port : SERVICE_PORTS) {
            assertThat(accepts(port))
                    .as("port %d must be free for this test", port)
                    .isFalse();
        }
        List<ProcessHandle> descendants = List.of();
        long started = System.nanoTime();
        try (LaunchedProgram up = ballast(Map.of(), "up")) {
            try {
                assertThat(up.awaitReady(new Readiness.OutputContains("Press Ctrl-C to stop."), Duration.ofMinutes(3)))
                        .as("./ballast up ready; its output:%n%s", up.outputText())
                        .isEqualTo(new Startup.Ready());
                descendants = up.handle().descendants().toList();
                assertThat(descendants).hasSizeGreaterThanOrEqualTo(5);

                HttpClient http = HttpClient.newHttpClient();
                for (int port : SERVICE_PORTS) {
                    HttpResponse<String> ready = http.send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/q/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(ready.statusCode())
                            .as("readiness of port %d", port)
                            .isEqualTo(200);
                    assertThat(ready.body()).contains("\"status\": \"UP\"");
                }
                assertServicesVerifyTokensOfTheStacksKey(descendants);
                assertTheSimulatedFleetSettles(up, started);
                int kafkaPort = port(up.output(), "^  Kafka +localhost:(\\d+)$");
                int postgresPort = port(up.output(), "^  PostgreSQL +jdbc:postgresql://localhost:(\\d+)/ballast$");
                assertThat(ROOT.resolve(".ballast/run/infra.env")).exists();

                // SIGTERM, as a service manager sends it and as Ctrl-C ends in.
                up.terminate();
                assertThat(up.awaitExit(Duration.ofSeconds(90)))
                        .as("stopped within 90 s with exit code 0")
                        .hasValue(0);
                assertThat(up.output()).contains("ballast: stopped");
                List<ProcessHandle> all = descendants;
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                                all.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::info))
                        .isEmpty());
                for (int port : List.of(8081, 8082, 8083, 8084, 8443, kafkaPort, postgresPort)) {
                    assertThat(accepts(port)).as("port %d closed", port).isFalse();
                }
                assertThat(ROOT.resolve(".ballast/run/infra.env")).doesNotExist();
            } finally {
                up.handle().descendants().forEach(ProcessHandle::destroyForcibly);
                descendants.forEach(ProcessHandle::destroyForcibly);
            }
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

    /**
     * The stack made its token key pair (the private half for its owner only), gave every service the public half,
     * and {@code ./ballast token} prints one token signed with it.
     */
    private static void assertServicesVerifyTokensOfTheStacksKey(List<ProcessHandle> descendants) throws Exception {
        Path keys = ROOT.resolve(".ballast/jwt");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("private.pem"))))
                .isEqualTo("rw-------");
        List<ProcessHandle> services = descendants.stream()
                .filter(process -> process.info().commandLine().orElse("").contains("quarkus-run.jar"))
                .toList();
        assertThat(services).hasSize(SERVICE_PORTS.size());
        for (ProcessHandle service : services) {
            String environment = new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(service.pid()), "environ")),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(environment.split("\0"))
                    .as("environment of %s", service.info().commandLine().orElse(""))
                    .contains("BALLAST_JWT_PUBLIC_KEY=" + keys.resolve("public.pem"));
        }
        try (LaunchedProgram token = ballast(Map.of(), "token", "--role", "operator", "--ttl", "5m")) {
            assertThat(token.awaitExit(Duration.ofSeconds(60))).hasValue(0);
            assertThat(token.output()).singleElement().asString().matches("[\\w-]+\\.[\\w-]+\\.[\\w-]+");
        }
    }

    /**
     * The default fleet (2 hosts of 12 VMs, each with a full datastore of 10 and a roomy one of 2; 2 VMs shut off) settles within two minutes of {@code ./ballast up}: inventory
     * discovered every VM, every running VM's agent is online with its ballast applied, the worker punched ballasts
     * out of real images (their allocation dropped), and the first datastore, whose guests grow until it would
     * overflow, is held under its limit by its ballasts while its minimums go unmet.
     */
    private static void assertTheSimulatedFleetSettles(LaunchedProgram up, long started) throws Exception {
        String viewer = "Bearer " + stackToken("viewer");
        RestApi inventory = new RestApi(8081, role -> viewer);
        RestApi reservation = new RestApi(8082, role -> viewer);
        Duration left = Duration.ofMinutes(2).minusNanos(System.nanoTime() - started);
        await().atMost(left.isNegative() ? Duration.ZERO : left)
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    JsonNode vms = RestApi.ok(inventory.get("/vms?limit=100"));
                    assertThat(vms.get("vms")).as("inventory's VMs").hasSize(24);
                    JsonNode disks = RestApi.ok(reservation.get("/datastores/" + FIRST_DATASTORE + "/disks"));
                    assertThat(disks.get("disks")).hasSize(10);
                    for (JsonNode disk : disks.get("disks")) {
                        if (disk.get("vmId").asText().endsWith("000000000009")) {
                            assertThat(disk.get("agentOnline").asBoolean())
                                    .as("vm-00010 is shut off")
                                    .isFalse();
                            continue;
                        }
                        assertThat(disk.get("agentOnline").asBoolean())
                                .as("agent of %s", disk.get("id"))
                                .isTrue();
                        assertThat(disk.get("ballasts"))
                                .as("ballast of %s", disk.get("id"))
                                .isNotEmpty();
                        assertThat(disk.get("ballasts")
                                        .get(0)
                                        .get("reclaimedAt")
                                        .isNull())
                                .as("%s's ballast punched out of its image", disk.get("id"))
                                .isFalse();
                    }
                });
        System.out.printf("the fleet settled %.0f s after ./ballast up%n", (System.nanoTime() - started) / 1e9);
        assertThat(up.outputText()).contains("[fleet] fleet: 2 hosts, 24 VMs on 4 datastores");
        assertThat(up.outputText()).containsPattern("\\[resize-worker\\] .* reclaimed job=reclaim-");

        // the hot datastore: at its limit, its guests full, never over it
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    JsonNode datastore = RestApi.ok(reservation.get("/datastores/" + FIRST_DATASTORE));
                    assertThat(datastore.get("alerts").toString()).contains("MINIMUMS_UNMET");
                    assertThat(datastore.get("invariantHolds").asBoolean())
                            .as("the ballasts hold the datastore under its limit: %s", datastore)
                            .isTrue();
                });
        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:8082/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).containsPattern("(?m)^ballast_invariant_violations_total(\\{[^}]*\\})? 0\\.0$");
    }

    /** A token of the stack's own key, as {@code ./ballast token} prints it. */
    private static String stackToken(String role) throws Exception {
        try (LaunchedProgram token = ballast(Map.of(), "token", "--role", role, "--ttl", "15m")) {
            assertThat(token.awaitExit(Duration.ofSeconds(60))).hasValue(0);
            return token.output().getFirst().strip();
        }
    }

    /** {@code ./ballast ARGUMENTS} on what this build packaged, with the tests' environment and {@code more}. */
    private static LaunchedProgram ballast(Map<String, String> more, String... arguments) {
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
