package io.ballast.local.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A program started by {@link Launcher#start}: a child process with its output going where its {@link Launch} said.
 * Stopping it sends SIGTERM, and SIGKILL to it and to the processes it started when it has not exited within
 * {@link #STOP_GRACE}; processes it started and left running when it exited get SIGTERM, then SIGKILL at the same
 * deadline. Thread-safe.
 */
public final class LaunchedProgram implements AutoCloseable {

    /** How long a program may take to stop after SIGTERM before it is killed. */
    public static final Duration STOP_GRACE = Duration.ofSeconds(30);

    /** How long a killed process may take to be gone. */
    private static final Duration KILL_BOUND = Duration.ofSeconds(10);

    /** How long the output may go on after the program exited (processes it left may still write). */
    private static final Duration OUTPUT_AFTER_EXIT = Duration.ofSeconds(5);

    /** How a stop ended. */
    public enum Stopped {
        /** The program exited after SIGTERM (or had exited already). */
        EXITED,
        /** The program was still running after the grace and was killed. */
        KILLED
    }

    private final String name;
    private final Process process;
    private final Output output;
    private final Deque<String> lines = new ArrayDeque<>();
    private final Optional<Thread> pump;
    private final Set<ProcessHandle> children = new LinkedHashSet<>();
    private long stopDeadline;

    private LaunchedProgram(Launch launch, Process process) {
        this.name = launch.name();
        this.process = process;
        this.output = launch.output();
        this.pump = switch (output) {
            case Output.LogFile ignored -> Optional.empty();
            case Output.Prefixed prefixed -> Optional.of(pump("[" + prefixed.tag() + "] ", prefixed));
            case Output.Captured ignored -> Optional.of(pump("", output));
        };
    }

    static LaunchedProgram start(Launch launch) {
        ProcessBuilder builder = new ProcessBuilder(launch.command()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(launch.environment());
        launch.directory().ifPresent(directory -> builder.directory(directory.toFile()));
        if (launch.output() instanceof Output.LogFile(var file)) {
            builder.redirectOutput(file.toFile());
        }
        try {
            Process process = builder.start();
            // Nothing is ever typed into a launched program; a closed input tells it so.
            process.getOutputStream().close();
            return new LaunchedProgram(launch, process);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot start " + launch.name() + " (" + launch.command().getFirst() + "): " + e.getMessage(), e);
        }
    }

    /** Reads the program's output line by line, keeps it and, when prefixed, writes it on. */
    private Thread pump(String prefix, Output destination) {
        return Thread.ofPlatform().daemon().name("output-" + name).start(() -> {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    keep(line);
                    if (destination instanceof Output.Prefixed prefixed) {
                        prefixed.target().println(prefix + line);
                    }
                }
            } catch (IOException e) {
                keep("(output unreadable: " + e.getMessage() + ")");
            }
        });
    }

    private synchronized void keep(String line) {
        lines.addLast(line);
        if (output instanceof Output.Prefixed && lines.size() > Output.Prefixed.KEPT_LINES) {
            lines.removeFirst();
        }
    }

    /** The name its launch gave it. */
    public String name() {
        return name;
    }

    /** The process. */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code once it has exited. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /**
     * Its output so far, line by line: the whole log file or captured output, or the latest lines of prefixed output.
     */
    public List<String> output() {
        if (output instanceof Output.LogFile(var file)) {
            try {
                return Files.exists(file)
                        ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                                .lines()
                                .toList()
                        : List.of();
            } catch (IOException e) {
                return List.of("(log " + file + " unreadable: " + e.getMessage() + ")");
            }
        }
        synchronized (this) {
            return new ArrayList<>(lines);
        }
    }

    /** {@link #output()} as one text, for messages. */
    public String outputText() {
        return String.join(System.lineSeparator(), output());
    }

    /** Waits at most {@code bound} until {@code readiness} holds or the program exits. */
    public Startup awaitReady(Readiness readiness, Duration bound) throws InterruptedException {
        return Launcher.awaitReady(Map.of(this, readiness), bound);
    }

    /**
     * Waits at most {@code bound} for the program to exit and for its output to end; returns its exit code, or empty
     * if it is still running.
     */
    public OptionalInt awaitExit(Duration bound) throws InterruptedException {
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            return OptionalInt.empty();
        }
        awaitOutputEnd();
        return OptionalInt.of(process.exitValue());
    }

    /**
     * Sends SIGTERM, the first half of {@link #stop()}; {@link #awaitStopped()} is the second. Stopping several
     * programs together is sending each SIGTERM first, then waiting for each.
     */
    public synchronized void terminate() {
        if (stopDeadline == 0) {
            stopDeadline = System.nanoTime() + STOP_GRACE.toNanos();
        }
        // Taken now: once the program exits, what it started is no longer its descendant.
        process.descendants().forEach(children::add);
        process.toHandle().destroy();
    }

    /**
     * Waits until the program has exited, killing it and its descendants once {@link #STOP_GRACE} has passed since
     * {@link #terminate()}; then stops what it started and left running, within the same deadline.
     */
    public Stopped awaitStopped() throws InterruptedException {
        long deadline;
        synchronized (this) {
            if (stopDeadline == 0) {
                throw new IllegalStateException(name + " was not terminated");
            }
            deadline = stopDeadline;
        }
        Stopped stopped = Stopped.EXITED;
        if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            stopped = Stopped.KILLED;
            List<ProcessHandle> started;
            synchronized (this) {
                process.descendants().forEach(children::add);
                started = List.copyOf(children);
            }
            started.forEach(ProcessHandle::destroyForcibly);
            // Through the handle: Process.destroyForcibly() would also close the output the pump still reads.
            process.toHandle().destroyForcibly();
            process.waitFor(KILL_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        }
        List<ProcessHandle> leftBehind;
        synchronized (this) {
            leftBehind = children.stream().filter(ProcessHandle::isAlive).toList();
        }
        leftBehind.forEach(ProcessHandle::destroy);
        for (ProcessHandle child : leftBehind) {
            if (!exits(child, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                child.destroyForcibly();
                exits(child, KILL_BOUND);
            }
        }
        awaitOutputEnd();
        return stopped;
    }

    /** Stops the program (SIGTERM, SIGKILL after {@link #STOP_GRACE}, what it started included); idempotent. */
    public Stopped stop() throws InterruptedException {
        terminate();
        return awaitStopped();
    }

    /** Whether {@code process} has exited within {@code bound}. */
    private static boolean exits(ProcessHandle process, Duration bound) throws InterruptedException {
        try {
            process.onExit().get(bound.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !process.isAlive();
        }
    }

    private void awaitOutputEnd() throws InterruptedException {
        if (pump.isPresent()) {
            pump.get().join(OUTPUT_AFTER_EXIT);
        }
    }

    /** {@link #stop()}, for try-with-resources. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.toHandle().destroyForcibly();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
