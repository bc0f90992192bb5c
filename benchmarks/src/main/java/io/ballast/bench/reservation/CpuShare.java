package io.ballast.bench.reservation;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.ballast.bench.MachineCpu;
import io.ballast.bench.ProcessCpu;
import io.ballast.bench.ServiceCores;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Who kept the machine busy over a measured interval, in cores (CPU seconds per second): this JVM, and the whole
 * machine, and how much of it this JVM's collectors took. The engine's figures are this JVM's own work; what the
 * machine did besides is a sign of a run to repeat.
 *
 * @param cpus the processors this JVM may use
 * @param benchCores this JVM's CPU time (every thread) over the interval's wall time
 * @param machineBusyCores the whole machine's, from {@code /proc/stat}; absent where there is none
 * @param wallMs the interval's length
 * @param gcMs what this JVM's collectors took of it (with the serial collector, every thread stopped)
 */
public record CpuShare(int cpus, double benchCores, OptionalDouble machineBusyCores, double wallMs, double gcMs) {

    /** What the rest of the machine used meanwhile. */
    @JsonProperty
    public OptionalDouble othersCores() {
        return machineBusyCores.isPresent()
                ? OptionalDouble.of(Math.max(0, machineBusyCores.getAsDouble() - benchCores))
                : OptionalDouble.empty();
    }

    /** Starts an interval. */
    static Meter start() {
        return new Meter(System.nanoTime(), ProcessCpu.thisJvmNanos(), collectedMillis(), MachineCpu.read());
    }

    /** An interval started: {@link #stop()} ends it. */
    record Meter(long startNanos, long startCpuNanos, long startCollectedMillis, Optional<MachineCpu> startMachine) {

        CpuShare stop() {
            long cpu = ProcessCpu.thisJvmNanos() - startCpuNanos;
            long wall = System.nanoTime() - startNanos;
            Optional<MachineCpu> now = MachineCpu.read();
            return new CpuShare(
                    Runtime.getRuntime().availableProcessors(),
                    (double) cpu / wall,
                    startMachine.isPresent() && now.isPresent()
                            ? now.get().busyCoresSince(startMachine.get())
                            : OptionalDouble.empty(),
                    wall / 1e6,
                    collectedMillis() - startCollectedMillis);
        }
    }

    /** This JVM's collectors' time so far, in milliseconds. */
    private static long collectedMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionTime)
                .filter(ms -> ms > 0)
                .sum();
    }

    /** One line: this JVM's cores, the machine's, the others'. */
    String describe() {
        return String.format(
                Locale.ROOT,
                "this JVM %.2f, the machine %s (others %s) of %d; collections %.0f ms of %.0f ms",
                benchCores,
                ServiceCores.cores(machineBusyCores),
                ServiceCores.cores(othersCores()),
                cpus,
                gcMs,
                wallMs);
    }
}
