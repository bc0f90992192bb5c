package io.ballast.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who kept the cores busy while a benchmark measured a packaged service ({@link BenchStack}), in cores (CPU seconds
 * per second of wall time): the service's JVM, PostgreSQL, the infrastructure's JVM (the Kafka broker), this JVM, the
 * programs it ran meanwhile (a load generator), and the whole machine. On a shared machine, what nothing of these
 * used ({@link #othersCores()}) says whether a run is to be repeated.
 *
 * @param serviceCores the service's JVM
 * @param kafkaCores the infrastructure's JVM: the Kafka broker
 * @param postgresCores the PostgreSQL server (it and its backends); absent when it is not one of this machine's
 *     processes
 * @param benchCores this JVM (every thread)
 * @param childrenCores the programs this JVM started that ended and were waited for meanwhile (e.g. {@code wrk})
 * @param machineBusyCores the whole machine's, from {@code /proc/stat}; absent where there is none
 */
public record ServiceCores(
        double serviceCores,
        double kafkaCores,
        OptionalDouble postgresCores,
        double benchCores,
        double childrenCores,
        OptionalDouble machineBusyCores) {

    /** What the rest of the machine used meanwhile; absent unless both the machine's and PostgreSQL's are known. */
    @JsonProperty
    public OptionalDouble othersCores() {
        return machineBusyCores.isPresent() && postgresCores.isPresent()
                ? OptionalDouble.of(Math.max(
                        0,
                        machineBusyCores.getAsDouble()
                                - serviceCores
                                - kafkaCores
                                - postgresCores.getAsDouble()
                                - benchCores
                                - childrenCores))
                : OptionalDouble.empty();
    }

    /** One line; {@code service} names the service, {@code children} what this JVM ran (empty: left out). */
    public String describe(String service, String children) {
        return String.format(
                Locale.ROOT,
                "%s %.2f, PostgreSQL %s, Kafka %.2f, this JVM %.2f%s; the machine %s (others %s) of %d",
                service,
                serviceCores,
                cores(postgresCores),
                kafkaCores,
                benchCores,
                children.isEmpty() ? "" : String.format(Locale.ROOT, ", %s %.2f", children, childrenCores),
                cores(machineBusyCores),
                cores(othersCores()),
                Runtime.getRuntime().availableProcessors());
    }

    /** Cores to two places, or {@code unknown}. */
    public static String cores(OptionalDouble cores) {
        return cores.isPresent() ? String.format(Locale.ROOT, "%.2f", cores.getAsDouble()) : "unknown";
    }

    /** Starts an interval: the service's process, the infrastructure's, and PostgreSQL's where it runs here. */
    public static Meter start(long servicePid, long infrastructurePid, Optional<ProcessHandle> postgres) {
        return new Meter(
                servicePid,
                infrastructurePid,
                postgres,
                System.nanoTime(),
                ProcessCpu.nanos(servicePid),
                ProcessCpu.nanos(infrastructurePid),
                postgres.map(ProcessCpu::nanos).orElse(0L),
                ProcessCpu.thisJvmNanos(),
                ProcessCpu.waitedChildrenNanos(),
                MachineCpu.read());
    }

    /** An interval started: {@link #stop()} ends it. */
    public record Meter(
            long servicePid,
            long infrastructurePid,
            Optional<ProcessHandle> postgres,
            long startNanos,
            long serviceFrom,
            long infrastructureFrom,
            long postgresFrom,
            long benchFrom,
            long childrenFrom,
            Optional<MachineCpu> machineFrom) {

        /** The cores each used since the start. */
        public ServiceCores stop() {
            double wall = System.nanoTime() - startNanos;
            Optional<MachineCpu> machineTo = MachineCpu.read();
            return new ServiceCores(
                    (ProcessCpu.nanos(servicePid) - serviceFrom) / wall,
                    (ProcessCpu.nanos(infrastructurePid) - infrastructureFrom) / wall,
                    postgres.isPresent()
                            ? OptionalDouble.of((ProcessCpu.nanos(postgres.get()) - postgresFrom) / wall)
                            : OptionalDouble.empty(),
                    (ProcessCpu.thisJvmNanos() - benchFrom) / wall,
                    (ProcessCpu.waitedChildrenNanos() - childrenFrom) / wall,
                    machineFrom.isPresent() && machineTo.isPresent()
                            ? machineTo.get().busyCoresSince(machineFrom.get())
                            : OptionalDouble.empty());
        }
    }

    /**
     * The PostgreSQL server {@code BALLAST_DB_URL} names (in {@code environment}, else this JVM's), when it runs on
     * this machine: the {@code postgres} process listening on its port ({@code -p PORT}). The embedded server detaches
     * from the JVM that starts it, so it is not among that JVM's descendants.
     */
    public static Optional<ProcessHandle> postgresServer(Map<String, String> environment) {
        String url = environment.getOrDefault("BALLAST_DB_URL", System.getenv().getOrDefault("BALLAST_DB_URL", ""));
        Matcher port = Pattern.compile("^jdbc:postgresql://(localhost|127\\.0\\.0\\.1):(\\d+)/")
                .matcher(url);
        if (!port.find()) {
            return Optional.empty();
        }
        String listening = "-p " + port.group(2);
        return ProcessHandle.allProcesses()
                .filter(process -> process.info()
                        .commandLine()
                        .filter(line -> line.contains("/bin/postgres ") && line.contains(listening + " "))
                        .isPresent())
                .findFirst();
    }
}
