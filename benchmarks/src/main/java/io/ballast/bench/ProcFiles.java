package io.ballast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's {@code /proc} files of {@code name: value} lines ({@code cpuinfo}, {@code meminfo}, a process's
 * {@code status} and {@code io}), read here once for every benchmark.
 */
public final class ProcFiles {

    private ProcFiles() {}

    /**
     * The value of the first line of {@code file} whose name (before the first colon, blanks stripped) is {@code
     * name}, stripped; empty when no line has that name.
     *
     * @throws IOException when the file cannot be read (e.g. the process it describes is gone)
     */
    public static Optional<String> field(Path file, String name) throws IOException {
        for (String line : Files.readAllLines(file)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().equals(name)) {
                return Optional.of(line.substring(colon + 1).strip());
            }
        }
        return Optional.empty();
    }

    /**
     * The resident set of process {@code pid} in KiB ({@code VmRSS} of {@code /proc/PID/status}); empty when the
     * kernel reports none (a process that has exited but was not yet waited for).
     *
     * @throws IOException when the process's status cannot be read (it is gone)
     */
    public static OptionalLong residentKiB(long pid) throws IOException {
        return field(Path.of("/proc", Long.toString(pid), "status"), "VmRSS")
                .map(value -> OptionalLong.of(Long.parseLong(value.split("\\s+")[0])))
                .orElse(OptionalLong.empty());
    }
}
