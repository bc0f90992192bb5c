package io.ballast.bench.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Who used the machine's CPUs over an interval: the broker's, the gateway's and this JVM's (the simulated agents and
 * the publisher) CPU time, and the machine's busy time from {@code /proc/stat}, each in cores (CPU seconds per
 * second). The three JVMs share the machine, and whatever else runs on it takes from them, so a run says who used
 * what: {@link #start()} at the start of the measured interval, {@link #stop()} at its end, then {@link #use()}.
 */
final class CpuMeter {

    private static final Path PROC_STAT = Path.of("/proc/stat");
    /** {@code /proc/stat}'s cpu line: user nice system idle iowait irq softirq steal; idle and iowait are not busy. */
    private static final int STAT_FIELDS = 8;

    private static final int IDLE = 3;
    private static final int IOWAIT = 4;

    private final ProcessHandle broker;
    private final ProcessHandle gateway;
    private final ProcessHandle agents = ProcessHandle.current();
    private Sample start;
    private Sample end;

    CpuMeter(long brokerPid, long gatewayPid) {
        this.broker = ProcessHandle.of(brokerPid).orElseThrow(() -> gone("the broker", brokerPid));
        this.gateway = ProcessHandle.of(gatewayPid).orElseThrow(() -> gone("the gateway", gatewayPid));
    }

    private static IllegalStateException gone(String what, long pid) {
        return new IllegalStateException(what + " (pid " + pid + ") is not running");
    }

    /** Starts the interval. */
    void start() {
        start = sample();
    }

    /** Ends the interval. */
    void stop() {
        end = sample();
    }

    /** Who used the CPUs between {@link #start()} and {@link #stop()}. */
    CpuUse use() {
        if (start == null || end == null) {
            throw new IllegalStateException("the interval was not started and stopped");
        }
        double seconds = (end.nanoTime - start.nanoTime) / 1e9;
        return new CpuUse(
                Runtime.getRuntime().availableProcessors(),
                cores(start.broker, end.broker, seconds),
                cores(start.gateway, end.gateway, seconds),
                cores(start.agents, end.agents, seconds),
                start.machine.isPresent() && end.machine.isPresent()
                        ? end.machine.get().busyCoresSince(start.machine.get())
                        : OptionalDouble.empty());
    }

    private Sample sample() {
        return new Sample(System.nanoTime(), cpuTime(broker), cpuTime(gateway), cpuTime(agents), MachineTicks.read());
    }

    /** The process's CPU time (user and system) so far, in nanoseconds; empty when the kernel no longer says. */
    private static OptionalLong cpuTime(ProcessHandle process) {
        Optional<Duration> total = process.info().totalCpuDuration();
        return total.isPresent() ? OptionalLong.of(total.get().toNanos()) : OptionalLong.empty();
    }

    private static OptionalDouble cores(OptionalLong from, OptionalLong to, double seconds) {
        return from.isPresent() && to.isPresent() && seconds > 0
                ? OptionalDouble.of((to.getAsLong() - from.getAsLong()) / 1e9 / seconds)
                : OptionalDouble.empty();
    }

    private record Sample(
            long nanoTime,
            OptionalLong broker,
            OptionalLong gateway,
            OptionalLong agents,
            Optional<MachineTicks> machine) {}

    /** The first line of {@code /proc/stat}: all CPUs' time so far, in ticks, busy and in all; and how many CPUs. */
    private record MachineTicks(long busy, long total, int cpus) {

        /** This machine's ticks so far; empty where there is no {@code /proc/stat} (not Linux). */
        static Optional<MachineTicks> read() {
            List<String> lines;
            try {
                lines = Files.readAllLines(PROC_STAT);
            } catch (IOException e) {
                return Optional.empty();
            }
            int cpus =
                    (int) lines.stream().filter(l -> l.matches("cpu\\d+\\s.*")).count();
            String[] fields = lines.isEmpty()
                    ? new String[] {""}
                    : lines.getFirst().strip().split("\\s+");
            if (!fields[0].equals("cpu") || fields.length < 1 + STAT_FIELDS) {
                return Optional.empty();
            }
            long[] ticks = Arrays.stream(fields, 1, 1 + STAT_FIELDS)
                    .mapToLong(Long::parseLong)
                    .toArray();
            long total = Arrays.stream(ticks).sum();
            return Optional.of(new MachineTicks(total - ticks[IDLE] - ticks[IOWAIT], total, cpus));
        }

        /** How many of the CPUs were busy on average since {@code earlier}. */
        OptionalDouble busyCoresSince(MachineTicks earlier) {
            long total = this.total - earlier.total;
            return total > 0
                    ? OptionalDouble.of((double) (busy - earlier.busy) / total * cpus)
                    : OptionalDouble.empty();
        }
    }
}
