package io.ballast.worker.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the external filesystem tools (e2fsprogs, ntfs-3g, util-linux) with a fixed locale and the sbin directories
 * on PATH. A tool that writes is started under {@code setpriv --pdeathsig KILL}: if the worker dies, the tool dies
 * with it instead of writing on behind the journal's back.
 */
public final class Tool {

    /** A tool's exit code and what it printed (stdout and stderr together). */
    public record Result(List<String> command, int exitCode, String output) {
        public String commandLine() {
            return String.join(" ", command);
        }
    }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private Tool() {}

    /** Runs {@code command} and fails with what it printed unless it exits 0. */
    public static String run(List<String> command) throws IOException {
        Result result = exec(command, DEFAULT_TIMEOUT);
        if (result.exitCode() != 0) {
            throw failure(result);
        }
        return result.output();
    }

    /** Runs {@code command} and returns its exit code and output, whatever the code. */
    public static Result exec(List<String> command, Duration timeout) throws IOException {
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            full.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        full.addAll(command);
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(full).redirectErrorStream(true);
            builder.environment()
                    .put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
            builder.environment().put("LC_ALL", "C");
            process = builder.start();
        } catch (IOException e) {
            throw new IOException(
                    command.getFirst() + " could not run (is its package installed? .ci/run lists" + " them): "
                            + e.getMessage(),
                    e);
        }
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " was interrupted", e);
        }
        return new Result(List.copyOf(command), process.exitValue(), output);
    }

    public static IOException failure(Result result) {
        return new IOException(result.commandLine() + " failed (exit " + result.exitCode() + "): "
                + result.output().strip());
    }
}
