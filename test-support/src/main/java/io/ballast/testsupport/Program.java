package io.ballast.testsupport;

import io.ballast.local.Checkout;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Output;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One of Ballast's packaged programs running as its own process, as an operator runs it (local-runtime's launcher):
 * output kept in a log file (printed when a test fails), stopped with SIGTERM. Tests run in a module directory of
 * the checkout, one level below its root.
 */
public final class Program implements AutoCloseable {

    /** This build's checkout: the module directory the tests run in is one level down. */
    public static final Checkout CHECKOUT =
            new Checkout(Path.of("").toAbsolutePath().getParent());

    public static final Path ROOT = CHECKOUT.root();

    private final LaunchedProgram program;

    private Program(LaunchedProgram program) {
        this.program = program;
    }

    /** A Quarkus service of this build on {@code httpPort}, with the environment given. */
    public static Program service(String module, Path logs, int httpPort, Map<String, String> environment) {
        List<String> command = CHECKOUT.service(
                module,
                List.of(
                        "-XX:+UseSerialGC",
                        "-Xmx256m",
                        "--sun-misc-unsafe-memory-access=allow",
                        "--enable-native-access=ALL-UNNAMED",
                        "-Dquarkus.http.port=" + httpPort));
        return start(module + "-" + httpPort, logs, environment, command);
    }

    /** The guest agent of this build with its arguments. */
    public static Program agent(String name, Path logs, String... arguments) {
        List<String> command = new ArrayList<>(List.of(
                Launcher.java().toString(),
                "-XX:+UseSerialGC",
                "-jar",
                CHECKOUT.guestAgentJar().toString()));
        command.addAll(List.of(arguments));
        return start(name, logs, Map.of(), command);
    }

    private static Program start(String name, Path logs, Map<String, String> environment, List<String> command) {
        return new Program(Launcher.start(Launch.of(name, command)
                .withEnvironment(environment)
                .withDirectory(ROOT)
                .withOutput(new Output.LogFile(logs.resolve(name + ".log")))));
    }

    /** Waits until {@code /q/health/ready} answers 200 on {@code httpPort}. */
    public Program awaitReady(int httpPort, Duration timeout) throws InterruptedException {
        switch (program.awaitReady(Readiness.healthReady(httpPort), timeout)) {
            case Startup.Ready ready -> {
                return this;
            }
            case Startup.Exited exited ->
                throw new AssertionError(program.name() + " exited with " + exited.exitCode() + ":\n" + log());
            case Startup.TimedOut timedOut ->
                throw new AssertionError(
                        program.name() + " was not ready within " + timeout.toSeconds() + " s:\n" + log());
        }
    }

    /** Waits until the program's output contains {@code text}. */
    public void awaitOutput(String text, Duration timeout) throws InterruptedException {
        if (!(program.awaitReady(new Readiness.OutputContains(text), timeout) instanceof Startup.Ready)) {
            throw new AssertionError(program.name() + " never printed '" + text + "':\n" + log());
        }
    }

    public String log() {
        return program.outputText();
    }

    /** The program's {@code /q/metrics} on {@code httpPort}, parsed. */
    public static PrometheusText metrics(int httpPort) throws IOException, InterruptedException {
        return PrometheusText.parse(HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body());
    }

    public static int freePort() {
        return Launcher.freePort();
    }

    /** Stops the program: SIGTERM, SIGKILL after 30 s. */
    @Override
    public void close() {
        program.close();
    }
}
