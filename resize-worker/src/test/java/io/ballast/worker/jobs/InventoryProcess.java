package io.ballast.worker.jobs;

import io.ballast.local.LocalDatabase;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.Directories;
import io.ballast.testsupport.Postgres;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.TestInfrastructure;
import io.ballast.testsupport.Tokens;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource: the packaged inventory-service running as its own process (a database and a Kafka broker
 * of its own), looking at libvirt's built-in {@code test:///default} host, so it knows the VM {@link #VM} of the
 * domain {@code test} and leases it. The worker under test reaches it over gRPC with an operator token.
 */
public class InventoryProcess implements QuarkusTestResourceLifecycleManager {

    /** The UUID of libvirt's built-in test domain {@code test}: the VM inventory knows and leases. */
    public static final String VM = "6695eb01-f6a4-8304-79aa-97f2502e193f";

    private static final Duration START_BOUND = Duration.ofSeconds(120);

    /** The one running under the test class, for tests that take inventory away for a while. */
    private static volatile InventoryProcess current;

    private Path directory;
    private Broker broker;
    private Program inventory;
    private int port;
    private Map<String, String> environment;

    @Override
    public Map<String, String> start() {
        try {
            directory = Files.createTempDirectory("inventory-process");
            broker = TestInfrastructure.startKafka(1);
            LocalDatabase.Database database = Postgres.shared().freshDatabase("inventory");
            port = Program.freePort();
            environment = new HashMap<>(database.environment());
            environment.put("BALLAST_KAFKA_BOOTSTRAP", broker.bootstrapServers());
            environment.put("BALLAST_JWT_PUBLIC_KEY", Tokens.publicKeyFile().toString());
            environment.put("BALLAST_LIBVIRT_URIS", "test:///default");
            inventory = Program.service("inventory-service", directory, port, environment)
                    .awaitReady(port, START_BOUND);
            awaitVm(port);
            current = this;
            Path token = directory.resolve("worker.token");
            Files.writeString(token, Tokens.token(Roles.OPERATOR, Duration.ofHours(12)));
            return Map.of(
                    "quarkus.grpc.clients.inventory.host", "localhost",
                    "quarkus.grpc.clients.inventory.port", Integer.toString(port),
                    // under test a gRPC client goes to its test-port, which is the service's own unless set
                    "quarkus.grpc.clients.inventory.test-port", Integer.toString(port),
                    "ballast.worker.inventory-token-file", token.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while inventory-service started", e);
        }
    }

    /** Stops inventory-service: from now on the worker cannot reach it, until {@link #startAgain()}. */
    public static void stopForAWhile() {
        current.inventory.close();
    }

    /** Starts inventory-service again on the same port and database, and waits until it serves. */
    public static void startAgain() throws InterruptedException {
        InventoryProcess process = current;
        process.inventory = Program.service("inventory-service", process.directory, process.port, process.environment)
                .awaitReady(process.port, START_BOUND);
    }

    /** Has inventory look at its host now, and waits until it recorded {@link #VM}. */
    private void awaitVm(int port) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://localhost:" + port + "/api/v1/");
        HttpResponse<String> refreshed = http.send(
                HttpRequest.newBuilder(base.resolve("discovery/refresh"))
                        .header("Authorization", Tokens.bearer(Roles.OPERATOR))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpRequest vm = HttpRequest.newBuilder(base.resolve("vms/" + VM))
                .header("Authorization", Tokens.bearer(Roles.VIEWER))
                .build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> answer;
        while ((answer = http.send(vm, HttpResponse.BodyHandlers.ofString())).statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("inventory-service never recorded VM " + VM + " of test:///default"
                        + " (refresh answered " + refreshed.statusCode() + " " + refreshed.body() + "; the VM "
                        + answer.statusCode() + " " + answer.body() + "):\n" + inventory.log());
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void stop() {
        current = null;
        if (inventory != null) {
            inventory.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (directory != null) {
            Directories.deleteTree(directory);
        }
    }
}
