package io.ballast.local.launch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The one way Ballast's programs, benchmarks and tests start another program, wait until it is ready, and stop it:
 * {@link #start}, {@link #awaitReady}, {@link LaunchedProgram#stop()} and {@link #stopTogether}.
 */
public final class Launcher {

    /** How often readiness is checked. */
    private static final Duration POLL = Duration.ofMillis(250);

    private Launcher() {}

    /**
     * Starts {@code launch}'s program.
     *
     * @throws UncheckedIOException naming the program when it cannot be started (no such executable)
     */
    public static LaunchedProgram start(Launch launch) {
        return LaunchedProgram.start(launch);
    }

    /**
     * Waits at most {@code bound} until each program's readiness holds, checking them all each round, so that one
     * exiting is seen while another is still starting.
     *
     * @return {@link Startup.Ready} when all are ready; {@link Startup.Exited} for the first found to have exited
     *     before it was ready; {@link Startup.TimedOut} with those not ready when the bound passed
     */
    public static Startup awaitReady(Map<LaunchedProgram, Readiness> programs, Duration bound)
            throws InterruptedException {
        Map<LaunchedProgram, Readiness> pending = new LinkedHashMap<>(programs);
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            for (var iterator = pending.entrySet().iterator(); iterator.hasNext(); ) {
                var entry = iterator.next();
                LaunchedProgram program = entry.getKey();
                if (entry.getValue().reached(program)) {
                    iterator.remove();
                } else if (!program.isAlive()) {
                    int exitCode = program.awaitExit(Duration.ZERO).orElseThrow();
                    // It may have become ready just before it exited (a line printed, then gone): that counts.
                    if (!entry.getValue().reached(program)) {
                        return new Startup.Exited(program, exitCode);
                    }
                    iterator.remove();
                }
            }
            if (pending.isEmpty()) {
                return new Startup.Ready();
            }
            if (System.nanoTime() - deadline > 0) {
                return new Startup.TimedOut(List.copyOf(pending.keySet()), bound);
            }
            Thread.sleep(POLL);
        }
    }

    /** Waits until one of {@code programs} exits and returns it. */
    public static LaunchedProgram awaitAnyExit(List<LaunchedProgram> programs) throws InterruptedException {
        CompletableFuture<?>[] exits =
                programs.stream().map(p -> p.handle().onExit()).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.anyOf(exits).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for a program to exit failed", e);
        }
        return programs.stream()
                .filter(program -> !program.isAlive())
                .findFirst()
                .orElseThrow();
    }

    /**
     * Stops {@code programs} at once: SIGTERM to each, then waits for each (SIGKILL after
     * {@link LaunchedProgram#STOP_GRACE}); returns how each stop ended, in the order given.
     */
    public static Map<LaunchedProgram, LaunchedProgram.Stopped> stopTogether(List<LaunchedProgram> programs)
            throws InterruptedException {
        programs.forEach(LaunchedProgram::terminate);
        Map<LaunchedProgram, LaunchedProgram.Stopped> stopped = new LinkedHashMap<>();
        for (LaunchedProgram program : programs) {
            stopped.put(program, program.awaitStopped());
        }
        return stopped;
    }

    /** The {@code java} launcher of the JDK this process runs on, for starting another JVM like it. */
    public static Path java() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * The command running {@code main} with {@code args} in a new JVM on this JVM's class path: this JDK's
     * {@link #java()}, {@code jvmOptions}, {@code --enable-native-access=ALL-UNNAMED} (Ballast's code calls the
     * kernel through FFM), {@code -cp} this JVM's class path, the main class. For a test or benchmark that runs a
     * program of its own class path as its own process; start it with {@link #start} or as a tool.
     *
     * <pre>{@code
     * Launcher.javaCommand(List.of("-XX:+UseSerialGC"), ImageCommand.class, "resize", image.toString(), "--json")
     * }</pre>
     */
    public static List<String> javaCommand(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(java().toString());
        command.addAll(jvmOptions);
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** A TCP port on this machine that nothing listens on now (the operating system's choice). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port: " + e.getMessage(), e);
        }
    }
}
