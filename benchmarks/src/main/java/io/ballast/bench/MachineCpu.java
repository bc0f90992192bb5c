package io.ballast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The first line of {@code /proc/stat}: all CPUs' time so far, in ticks, busy and in all, and how many CPUs; two
 * readings say how many cores the whole machine kept busy in between, whoever ran. A benchmark reads it around what
 * it measures to say how much of the machine others took.
 *
 * @param busyTicks user, nice, system, irq, softirq and steal time (not idle or iowait)
 * @param totalTicks all of it
 */
public record MachineCpu(long busyTicks, long totalTicks, int cpus) {

    private static final Path PROC_STAT = Path.of("/proc/stat");
    /** {@code /proc/stat}'s cpu line: user nice system idle iowait irq softirq steal; idle and iowait are not busy. */
    private static final int STAT_FIELDS = 8;

    private static final int IDLE = 3;
    private static final int IOWAIT = 4;

    /** This machine's ticks so far; empty where there is no {@code /proc/stat} (not Linux). */
    public static Optional<MachineCpu> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(PROC_STAT);
        } catch (IOException e) {
            return Optional.empty();
        }
        int cpus = (int) lines.stream().filter(l -> l.matches("cpu\\d+\\s.*")).count();
        String[] fields =
                lines.isEmpty() ? new String[] {""} : lines.getFirst().strip().split("\\s+");
        if (!fields[0].equals("cpu") || fields.length < 1 + STAT_FIELDS) {
            return Optional.empty();
        }
        long[] ticks = Arrays.stream(fields, 1, 1 + STAT_FIELDS)
                .mapToLong(Long::parseLong)
                .toArray();
        long total = Arrays.stream(ticks).sum();
        return Optional.of(new MachineCpu(total - ticks[IDLE] - ticks[IOWAIT], total, cpus));
    }

    /** How many of the CPUs were busy on average since {@code earlier}. */
    public OptionalDouble busyCoresSince(MachineCpu earlier) {
        long total = this.totalTicks - earlier.totalTicks;
        return total > 0
                ? OptionalDouble.of((double) (busyTicks - earlier.busyTicks) / total * cpus)
                : OptionalDouble.empty();
    }
}
