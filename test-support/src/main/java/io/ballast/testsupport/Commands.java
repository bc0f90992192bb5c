package io.ballast.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs system tools for tests and says exactly what failed. */
public final class Commands {

    private Commands() {}

    /** Runs {@code command} to completion (at most 5 minutes) and returns its standard output. */
    public static String run(String... command) {
        return runWithInput(null, command);
    }

    /** Runs {@code command} with {@code input} on its standard input and returns its standard output. */
    public static String runWithInput(String input, String... command) {
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(false).start();
            if (input != null) {
                process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            process.getOutputStream().close();
            var stdout = process.getInputStream().readAllBytes();
            var stderr = process.getErrorStream().readAllBytes();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within 5 minutes");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                        + new String(stderr, StandardCharsets.UTF_8).strip());
            }
            return new String(stdout, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
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
