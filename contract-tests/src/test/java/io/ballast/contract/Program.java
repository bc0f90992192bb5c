package io.ballast.contract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of Ballast's packaged programs running as its own process, as an operator runs it: output kept in a log file
 * (printed when a test fails), stopped with SIGTERM.
 */
final class Program implements AutoCloseable {

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

    private final String name;
    private final Process process;
    private final Path log;

    private Program(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** A Quarkus service of this build on {@code httpPort}, with the environment given. */
    static Program service(String module, Path logs, int httpPort, Map<String, String> environment) {
        List<String> command = List.of(
                JAVA,
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED",
                "-Dquarkus.http.port=" + httpPort,
                "-jar",
                ROOT.resolve(module)
                        .resolve("target/quarkus-app/quarkus-run.jar")
                        .toString());
        return start(module + "-" + httpPort, logs, environment, command);
    }

    /** The guest agent of this build with its arguments. */
    static Program agent(String name, Path logs, String... arguments) {
        List<String> command = new ArrayList<>(List.of(
                JAVA,
                "-XX:+UseSerialGC",
                "-jar",
                ROOT.resolve("guest-agent/target/guest-agent.jar").toString()));
        command.addAll(List.of(arguments));
        return start(name, logs, Map.of(), command);
    }

    private static Program start(String name, Path logs, Map<String, String> environment, List<String> command) {
        try {
            Path log = logs.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(ROOT.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            return new Program(name, builder.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until {@code /q/health/ready} answers 200 on {@code httpPort}. */
    Program awaitReady(int httpPort, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                var response = http.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError(name + " was not ready within " + timeout.toSeconds() + " s:\n" + log());
    }

    /** Waits until the program's output contains {@code text}. */
    void awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " never printed '" + text + "':\n" + log());
            }
            Thread.sleep(200);
        }
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    static String metrics(int httpPort) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.toHandle().destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
