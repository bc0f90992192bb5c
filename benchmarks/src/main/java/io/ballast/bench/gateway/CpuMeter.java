package io.ballast.bench.gateway;

import io.ballast.bench.MachineCpu;
import java.time.Duration;
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
        return new Sample(System.nanoTime(), cpuTime(broker), cpuTime(gateway), cpuTime(agents), MachineCpu.read());
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
            Optional<MachineCpu> machine) {}
}
