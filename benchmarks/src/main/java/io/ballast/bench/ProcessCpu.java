package io.ballast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/** The CPU time processes have used so far (user and system), in nanoseconds, as the kernel counts it. */
public final class ProcessCpu {

    private static final Path SELF_STAT = Path.of("/proc/self/stat");
    /** Fields of {@code /proc/self/stat} after the command's closing parenthesis, from 0: cutime (field 16), cstime. */
    private static final int CHILDREN_USER = 13;

    private static final int CHILDREN_SYSTEM = 14;
    /** The clock ticks a second that {@code /proc} counts in ({@code USER_HZ}): 100 on every Linux. */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessCpu() {}

    /**
     * Process {@code pid}'s and that of every process it started that still runs (a database server's backends);
     * what the kernel no longer says counts as none.
     */
    public static long nanos(long pid) {
        return ProcessHandle.of(pid).map(ProcessCpu::nanos).orElse(0L);
    }

    /** {@code process}'s and its running descendants'. */
    public static long nanos(ProcessHandle process) {
        return Stream.concat(Stream.of(process), process.descendants())
                .mapToLong(each ->
                        each.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
    }

    /** This JVM's (every thread). */
    public static long thisJvmNanos() {
        return ProcessHandle.current()
                .info()
                .totalCpuDuration()
                .map(Duration::toNanos)
                .orElseThrow(() -> new IllegalStateException("the kernel does not say this JVM's CPU time"));
    }

    /**
     * That of this JVM's children that ended and were waited for ({@code cutime} and {@code cstime} of {@code
     * /proc/self/stat}): a program a benchmark ran to its end, such as a load generator; 0 where there is no such file.
     */
    public static long waitedChildrenNanos() {
        String stat;
        try {
            stat = Files.readString(SELF_STAT);
        } catch (IOException e) {
            return 0;
        }
        // The command, in parentheses, may hold blanks: the fields are counted after its closing parenthesis.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 1).strip().split("\\s+");
        long ticks = Long.parseLong(fields[CHILDREN_USER]) + Long.parseLong(fields[CHILDREN_SYSTEM]);
        return ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }
}
