package io.ballast.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine a benchmark ran on, described once for every report: what docs/benchmarks.md's "machine" column says.
 *
 * @param cpuModel the CPU's model name as the kernel reports it
 * @param cpus processors this JVM may use
 * @param memoryBytes physical memory
 * @param kernel the Linux release
 * @param jdk the Java runtime's version and vendor
 */
public record Machine(String cpuModel, int cpus, long memoryBytes, String kernel, String jdk) {

    /** This machine. */
    public static Machine here() {
        return new Machine(
                readCpuModel(),
                Runtime.getRuntime().availableProcessors(),
                readMemoryBytes(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor") + ")");
    }

    /** One line, e.g. {@code 2 CPUs AMD EPYC 7B13, 23.5 GiB, Linux 6.18.0, JDK 25.0.1+8-LTS (Eclipse Adoptium)}. */
    public String describe() {
        return String.format(
                Locale.ROOT,
                "%d CPUs %s, %.1f GiB, %s, JDK %s",
                cpus,
                cpuModel,
                memoryBytes / (double) (1L << 30),
                kernel,
                jdk);
    }

    private static String readCpuModel() {
        return field(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch"));
    }

    private static long readMemoryBytes() {
        return field(Path.of("/proc/meminfo"), "MemTotal")
                .map(value -> Long.parseLong(value.split("\\s+")[0]) * 1024)
                .orElse(0L);
    }

    /** A field of a /proc file; empty also when the file cannot be read (not Linux): the report says less. */
    private static Optional<String> field(Path file, String name) {
        try {
            return ProcFiles.field(file, name);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
