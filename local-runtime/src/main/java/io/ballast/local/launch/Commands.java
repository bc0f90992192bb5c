package io.ballast.local.launch;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs system tools (for the simulated fleet's real guest, the tests and the benchmarks) and says exactly what failed. */
public final class Commands {

    /** How long one tool may run unless the caller gives its own bound. */
    public static final Duration BOUND = Duration.ofMinutes(5);

    /** How long the output may take to end after the tool exited (a child it left behind may hold the pipes). */
    private static final Duration OUTPUT_AFTER_EXIT = Duration.ofSeconds(10);

    private Commands() {}

    /** Runs {@code command} to completion (at most {@link #BOUND}) and returns its standard output. */
    public static String run(String... command) {
        return runWithInput(null, command);
    }

    /**
     * Runs {@code command} to completion, at most {@code bound} (a tool whose run grows with its input, e.g. a
     * benchmark's {@code dd} of gigabytes), and returns its standard output; fails as {@link #runWithInput} does.
     */
    public static String run(Duration bound, String... command) {
        return execute(bound, null, command);
    }

    /**
     * Runs {@code command} with {@code input} on its standard input and returns its standard output. Standard output
     * and standard error are read at the same time, so a tool that fills either pipe first cannot stall.
     *
     * @throws IllegalStateException naming the command, with its exit code and standard error when it did not exit 0,
     *     or when it did not finish within {@link #BOUND} (it is then killed)
     */
    public static String runWithInput(String input, String... command) {
        return execute(BOUND, input, command);
    }

    private static String execute(Duration bound, String input, String... command) {
        String line = String.join(" ", command);
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + line + ": " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> stdout = readAll(process.getInputStream());
        CompletableFuture<byte[]> stderr = readAll(process.getErrorStream());
        try {
            try (var stdin = process.getOutputStream()) {
                if (input != null) {
                    stdin.write(input.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the tool exited without reading its input: its exit code and standard error say why
            }
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(line + " did not finish within " + bound.toSeconds() + " s");
            }
            String errors = text(stderr, line);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(line + " exited with " + process.exitValue() + ": " + errors.strip());
            }
            return text(stdout, line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("interrupted while running " + line, e);
        }
    }

    /** Reads {@code stream} to its end on a thread of its own (not a shared pool, where one read could wait on another). */
    private static CompletableFuture<byte[]> readAll(InputStream stream) {
        CompletableFuture<byte[]> bytes = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("commands-output").start(() -> {
            try (stream) {
                bytes.complete(stream.readAllBytes());
            } catch (IOException e) {
                bytes.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return bytes;
    }

    private static String text(CompletableFuture<byte[]> output, String line) throws InterruptedException {
        try {
            return new String(output.get(OUTPUT_AFTER_EXIT.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the output of " + line + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    line + " exited but its output did not end within " + OUTPUT_AFTER_EXIT.toSeconds()
                            + " s (a process it started still holds it)",
                    e);
        }
    }

    /** The tools that are not on PATH, /usr/sbin or /sbin. */
    public static List<String> missing(String... tools) {
        List<Path> directories = new ArrayList<>();
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!directory.isEmpty()) {
                directories.add(Path.of(directory));
            }
        }
        directories.add(Path.of("/usr/sbin"));
        directories.add(Path.of("/sbin"));
        return Arrays.stream(tools)
                .filter(tool ->
                        directories.stream().noneMatch(directory -> Files.isExecutable(directory.resolve(tool))))
                .toList();
    }
}
