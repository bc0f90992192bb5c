package io.ballast.bench.stack;

import io.ballast.bench.Benchmark;
import io.ballast.bench.Machine;
import io.ballast.bench.ProcFiles;
import io.ballast.bench.ProcessCpu;
import io.ballast.bench.Report;
import io.ballast.bench.Stats;
import io.ballast.cli.DurationConverter;
import io.ballast.local.Checkout;
import io.ballast.local.fleet.FleetLayout;
import io.ballast.local.fleet.FleetSummary;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench stack}: {@code ./ballast up --fleet hosts=H,vms=V} as a newcomer starts it, run until every
 * agent of the simulated fleet is connected, then watched for {@code --duration}: every 10 s, the resident memory
 * ({@code VmRSS}) and CPU time of each program of the stack (the infrastructure with its PostgreSQL server, each
 * service, the fleet, the supervisor), each with the processes it started. Steady means every summary the fleet
 * printed in the window has every agent connected and no session ended, and reservation-service counted no invariant
 * violation. There is no other program to compare with: the figures are the stack's cost on this machine.
 */
@Command(
        name = "stack",
        description = "./ballast up with a simulated fleet, its resident memory and CPU over a steady window.")
public final class StackBench extends Benchmark {

    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);

    @Option(
            names = "--fleet",
            paramLabel = "hosts=H,vms=V",
            defaultValue = "hosts=50,vms=1000",
            description = "The simulated fleet (default: ${DEFAULT-VALUE}).")
    String fleet;

    @Option(
            names = "--duration",
            defaultValue = "10m",
            converter = DurationConverter.class,
            description = "The steady window measured (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--settle-bound",
            defaultValue = "5m",
            converter = DurationConverter.class,
            description = "How long the fleet may take to connect every agent (default: ${DEFAULT-VALUE}).")
    Duration settleBound;

    /** One program of the stack: its median resident memory and its CPU over the window. */
    public record Program(String name, double residentMedianMiB, double residentMaxMiB, double cpuCores) {}

    /** The figures of one run. */
    public record Figures(
            Machine machine,
            String fleet,
            int agents,
            double secondsToReady,
            double secondsToSettle,
            double windowSeconds,
            int samples,
            List<Program> programs,
            double totalResidentMedianMiB,
            double totalResidentMaxMiB,
            double totalCpuCores,
            int summariesInWindow,
            boolean steady,
            double invariantViolations)
            implements Report {

        @Override
        public String text() {
            StringBuilder text = new StringBuilder(String.format(
                    Locale.ROOT,
                    "./ballast up --fleet %s: ready after %.0f s, %d agents connected after %.0f s;%n"
                            + "over %.0f s (%d samples, every %d s), steady: %s (%d fleet summaries, %.0f invariant"
                            + " violations)%n",
                    fleet,
                    secondsToReady,
                    agents,
                    secondsToSettle,
                    windowSeconds,
                    samples,
                    SAMPLE_EVERY.toSeconds(),
                    steady ? "yes" : "NO",
                    summariesInWindow,
                    invariantViolations));
            text.append(String.format(
                    Locale.ROOT, "  %-22s %14s %14s %10s%n", "program", "RSS median MiB", "RSS max MiB", "CPU cores"));
            for (Program program : programs) {
                text.append(String.format(
                        Locale.ROOT,
                        "  %-22s %14.0f %14.0f %10.2f%n",
                        program.name(),
                        program.residentMedianMiB(),
                        program.residentMaxMiB(),
                        program.cpuCores()));
            }
            text.append(String.format(
                    Locale.ROOT,
                    "  %-22s %14.0f %14.0f %10.2f",
                    "the stack",
                    totalResidentMedianMiB,
                    totalResidentMaxMiB,
                    totalCpuCores));
            return text.toString();
        }
    }

    @Override
    protected Report measure() throws Exception {
        FleetLayout.Size size = FleetLayout.Size.parse(fleet);
        if (duration.compareTo(SAMPLE_EVERY) < 0 || settleBound.isNegative() || settleBound.isZero()) {
            throw new IllegalArgumentException("--duration must be at least 10s and --settle-bound positive");
        }
        PrintWriter err = progress();
        Checkout checkout = Checkout.containing(StackBench.class);
        long start = System.nanoTime();
        err.printf(Locale.ROOT, "starting ./ballast up --fleet %s...%n", size);
        err.flush();
        try (LaunchedProgram up =
                Launcher.start(Launch.of("ballast up", checkout.ballast("up", "--fleet", size.toString()))
                        .withDirectory(checkout.root())
                        .withEnvironment(Map.of("BALLAST_BUILD", "never")))) {
            if (!(up.awaitReady(new Readiness.OutputContains("Press Ctrl-C to stop."), settleBound)
                    instanceof Startup.Ready)) {
                throw new IllegalStateException("./ballast up was not ready within " + settleBound.toSeconds()
                        + " s; its output:\n" + tail(up.output()));
            }
            double ready = (System.nanoTime() - start) / 1e9;
            err.printf(Locale.ROOT, "ready after %.0f s; waiting for every agent to connect...%n", ready);
            err.flush();
            int agents = awaitSettled(up, start);
            double settled = (System.nanoTime() - start) / 1e9;
            err.printf(
                    Locale.ROOT,
                    "%d agents connected after %.0f s; measuring for %d s...%n",
                    agents,
                    settled,
                    duration.toSeconds());
            err.flush();
            Figures figures = window(up, size, agents, ready, settled, err);
            up.terminate();
            up.awaitExit(Duration.ofMinutes(2));
            return figures;
        }
    }

    /** Waits until a fleet summary has every agent connected; answers how many there are. */
    private int awaitSettled(LaunchedProgram up, long start) throws InterruptedException {
        long deadline = start + settleBound.toNanos() * 2;
        while (System.nanoTime() < deadline) {
            for (String line : up.output().reversed()) {
                Matcher summary = FleetSummary.inStackOutput(line);
                if (summary.matches()) {
                    if (summary.group(1).equals(summary.group(2))) {
                        return Integer.parseInt(summary.group(2));
                    }
                    break;
                }
            }
            if (!up.isAlive()) {
                throw new IllegalStateException("./ballast up exited; its output:\n" + tail(up.output()));
            }
            Thread.sleep(1000);
        }
        throw new IllegalStateException("the fleet's agents did not all connect; its output:\n" + tail(up.output()));
    }

    private Figures window(
            LaunchedProgram up, FleetLayout.Size size, int agents, double ready, double settled, PrintWriter err)
            throws Exception {
        int linesBefore = up.output().size();
        Map<String, List<Long>> resident = new LinkedHashMap<>();
        List<Long> totals = new ArrayList<>();
        Map<String, Long> cpuAtStart = cpu(up.handle());
        long windowStart = System.nanoTime();
        long end = windowStart + duration.toNanos();
        int samples = 0;
        while (System.nanoTime() < end) {
            Thread.sleep(SAMPLE_EVERY.toMillis());
            long total = 0;
            for (var program : programs(up.handle()).entrySet()) {
                long kib = residentKiB(program.getValue(), !program.getKey().equals("supervisor"));
                resident.computeIfAbsent(program.getKey(), name -> new ArrayList<>())
                        .add(kib);
                total += kib;
            }
            totals.add(total);
            samples++;
            if (samples % 6 == 0) {
                err.printf(
                        Locale.ROOT,
                        "  %d s: the stack holds %.0f MiB%n",
                        samples * SAMPLE_EVERY.toSeconds(),
                        total / 1024.0);
                err.flush();
            }
        }
        double seconds = (System.nanoTime() - windowStart) / 1e9;
        Map<String, Long> cpuAtEnd = cpu(up.handle());
        List<Program> programs = new ArrayList<>();
        double totalCpu = 0;
        for (var entry : resident.entrySet()) {
            double cores = (cpuAtEnd.getOrDefault(entry.getKey(), 0L) - cpuAtStart.getOrDefault(entry.getKey(), 0L))
                    / 1e9
                    / seconds;
            totalCpu += cores;
            programs.add(new Program(
                    entry.getKey(),
                    Stats.median(entry.getValue()) / 1024,
                    entry.getValue().stream().mapToLong(Long::longValue).max().orElse(0) / 1024.0,
                    cores));
        }
        List<String> window = up.output().subList(linesBefore, up.output().size());
        int summaries = 0;
        boolean steady = true;
        for (String line : window) {
            Matcher summary = FleetSummary.inStackOutput(line);
            if (summary.matches()) {
                summaries++;
                steady &= summary.group(1).equals(summary.group(2))
                        && summary.group(3).equals("0");
            }
        }
        double violations = invariantViolations();
        steady &= summaries > 0 && violations == 0;
        return new Figures(
                Machine.here(),
                size.toString(),
                agents,
                ready,
                settled,
                seconds,
                samples,
                programs,
                Stats.median(totals) / 1024,
                totals.stream().mapToLong(Long::longValue).max().orElse(0) / 1024.0,
                totalCpu,
                summaries,
                steady,
                violations);
    }

    /** The stack's programs: the supervisor itself, and each program it started, by name. */
    private static Map<String, ProcessHandle> programs(ProcessHandle up) {
        Map<String, ProcessHandle> programs = new LinkedHashMap<>();
        programs.put("supervisor", up);
        up.children().forEach(child -> programs.put(name(child), child));
        return programs;
    }

    private static String name(ProcessHandle program) {
        String command = program.info().commandLine().orElse("");
        for (String service : List.of("inventory-service", "reservation-service", "guest-gateway", "resize-worker")) {
            if (command.contains(service + "/target/quarkus-app")) {
                return service;
            }
        }
        if (command.contains("LocalInfrastructure")) {
            return "kafka+postgresql";
        }
        if (command.contains("simulated-fleet")) {
            return "simulated-fleet";
        }
        return "pid " + program.pid();
    }

    /** CPU time so far of each program with what it started (the supervisor alone). */
    private static Map<String, Long> cpu(ProcessHandle up) {
        Map<String, Long> cpu = new LinkedHashMap<>();
        for (var program : programs(up).entrySet()) {
            cpu.put(
                    program.getKey(),
                    program.getKey().equals("supervisor")
                            ? program.getValue()
                                    .info()
                                    .totalCpuDuration()
                                    .map(Duration::toNanos)
                                    .orElse(0L)
                            : ProcessCpu.nanos(program.getValue()));
        }
        return cpu;
    }

    /** The program's resident memory, with what it started when {@code withDescendants}, in KiB. */
    private static long residentKiB(ProcessHandle program, boolean withDescendants) {
        Stream<ProcessHandle> processes =
                withDescendants ? Stream.concat(Stream.of(program), program.descendants()) : Stream.of(program);
        return processes
                .mapToLong(process -> {
                    try {
                        OptionalLong kib = ProcFiles.residentKiB(process.pid());
                        return kib.orElse(0);
                    } catch (IOException gone) {
                        return 0;
                    }
                })
                .sum();
    }

    /** reservation-service's count of decisions that broke the invariant: must be 0. */
    private static double invariantViolations() throws IOException, InterruptedException {
        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:8082/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return metrics.body()
                .lines()
                .filter(line -> line.startsWith("ballast_invariant_violations_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static String tail(List<String> output) {
        return String.join("\n", output.subList(Math.max(0, output.size() - 40), output.size()));
    }
}
