package io.ballast.bench.agent;

import io.ballast.bench.Benchmark;
import io.ballast.bench.GatewayStack;
import io.ballast.bench.Machine;
import io.ballast.bench.ProcFiles;
import io.ballast.bench.Report;
import io.ballast.bench.Rounds;
import io.ballast.bench.ScratchFilesystem;
import io.ballast.bench.Stats;
import io.ballast.gateway.cli.CertsCommand;
import io.ballast.gateway.identity.CertificateAuthority;
import io.ballast.local.Checkout;
import io.ballast.local.launch.Launch;
import io.ballast.local.launch.LaunchedProgram;
import io.ballast.local.launch.Launcher;
import io.ballast.local.launch.Output;
import io.ballast.local.launch.Readiness;
import io.ballast.local.launch.Startup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench agent-memory}: the resident memory of the real agent daemon connected to a gateway, started
 * as {@code ./ballast agent run} starts it (the launcher's JVM flags and malloc arenas) and, as the reference, with
 * the JVM's defaults ({@code java -jar}). The two alternate, each run against the same gateway and filesystem; each is
 * read ({@code VmRSS}) once it has been connected for the settle time, then stopped.
 */
@Command(
        name = "agent-memory",
        description = "The agent daemon's resident memory: the launcher's JVM flags against the JVM's defaults.")
public final class AgentMemoryBench extends Benchmark {

    static final long GOAL_KIB = 64 * 1024;
    static final String VM = "bench-vm";
    static final Duration CONNECT_BOUND = Duration.ofSeconds(90);
    private static final long IMAGE_BYTES = 2L << 30;

    @Mixin
    Rounds rounds = new Rounds(3, 99);

    @Option(
            names = "--settle",
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "How long each daemon is connected before it is read (default: ${DEFAULT-VALUE}).")
    int settleSeconds;

    /** How the daemon is started. */
    enum Variant {
        /** {@code ./ballast agent run}: the launcher's flags. */
        LAUNCHER("launcher flags"),
        /** {@code java -jar guest-agent.jar run}: the JVM's defaults. */
        DEFAULTS("JVM defaults");

        final String description;

        Variant(String description) {
            this.description = description;
        }
    }

    /** The figures of one run; resident memory in KiB, as {@code /proc/PID/status} gives it. */
    public record Figures(
            Machine machine,
            int runs,
            int settleSeconds,
            List<Long> launcherRssKiB,
            List<Long> defaultsRssKiB,
            double launcherRssMedianKiB,
            double defaultsRssMedianKiB,
            double ratio,
            long goalKiB,
            boolean goalMet)
            implements Report {

        @Override
        public String text() {
            return String.format(
                    Locale.ROOT,
                    """
                    agent daemon connected to a gateway, %d s after connecting, median of %d runs:
                      launcher flags (./ballast agent run): %.1f MiB resident
                      JVM defaults (java -jar):             %.1f MiB resident
                      ratio %.2f; goal under %d MiB: %s""",
                    settleSeconds,
                    runs,
                    launcherRssMedianKiB / 1024,
                    defaultsRssMedianKiB / 1024,
                    ratio,
                    goalKiB / 1024,
                    goalMet ? "met" : "NOT met");
        }
    }

    @Override
    protected Report measure() throws Exception {
        int runs = rounds.count();
        if (settleSeconds < 1 || settleSeconds > 9999) {
            throw new IllegalArgumentException("--settle must be 1 to 9999 seconds, not " + settleSeconds);
        }
        PrintWriter err = progress();
        Checkout checkout = Checkout.containing(AgentMemoryBench.class);
        List<Long> launcher = new ArrayList<>();
        List<Long> defaults = new ArrayList<>();
        try (ScratchFilesystem filesystem = ScratchFilesystem.create(IMAGE_BYTES);
                GatewayStack stack = GatewayStack.start(checkout, Checkout.SERVICE_JVM_OPTIONS, err)) {
            CertificateAuthority.open(stack.certs(), CertsCommand.password()).issueAgent(VM);
            Path config = configuration(stack, filesystem.mount());
            for (int run = 1; run <= runs; run++) {
                for (Variant variant : Variant.values()) {
                    long rss = residentAfterSettling(checkout, stack, config, variant, run);
                    err.printf(Locale.ROOT, "run %d, %s: %d MiB resident%n", run, variant.description, rss / 1024);
                    err.flush();
                    (variant == Variant.LAUNCHER ? launcher : defaults).add(rss);
                }
            }
            stack.succeeded();
        }
        double ours = Stats.median(launcher);
        double theirs = Stats.median(defaults);
        return new Figures(
                Machine.here(),
                runs,
                settleSeconds,
                launcher,
                defaults,
                ours,
                theirs,
                ours / theirs,
                GOAL_KIB,
                ours < GOAL_KIB);
    }

    /** The daemon's configuration: the stack's gateway, the VM's certificate, the one filesystem. */
    private static Path configuration(GatewayStack stack, Path mount) throws IOException {
        return Files.write(
                stack.runDirectory().resolve("agent.properties"),
                List.of(
                        "gateway = " + stack.agentAddress(),
                        "certificate = " + stack.certs().resolve("vm-" + VM + ".p12"),
                        "ca = " + stack.certs().resolve("ca.pem"),
                        "mounts = " + mount,
                        "state-dir = " + stack.runDirectory().resolve("agent-state")));
    }

    /** Starts the daemon as {@code variant} says, waits until it is connected and settled; its VmRSS in KiB. */
    private long residentAfterSettling(Checkout checkout, GatewayStack stack, Path config, Variant variant, int run)
            throws IOException, InterruptedException {
        List<String> command =
                switch (variant) {
                    // Through the launcher itself, so this measures exactly what an operator runs.
                    case LAUNCHER -> checkout.ballast("agent", "run", "--config", config.toString());
                    case DEFAULTS ->
                        List.of(
                                Launcher.java().toString(),
                                "-jar",
                                checkout.guestAgentJar().toString(),
                                "run",
                                "--config",
                                config.toString());
                };
        Path log = stack.directory().resolve("agent-" + variant.name().toLowerCase(Locale.ROOT) + "-" + run + ".log");
        try (LaunchedProgram agent = stack.start(Launch.of("agent", command).withOutput(new Output.LogFile(log)))) {
            switch (agent.awaitReady(
                    new Readiness.OutputContains("connected to the gateway as VM " + VM), CONNECT_BOUND)) {
                case Startup.Ready ready -> {}
                case Startup.Exited exited -> throw new IllegalStateException("the agent exited (see " + log + ")");
                case Startup.TimedOut timedOut ->
                    throw new IllegalStateException(
                            "the agent did not connect within " + CONNECT_BOUND.toSeconds() + " s (see " + log + ")");
            }
            // The measurement itself: resident memory once the daemon has been connected this long.
            Thread.sleep(Duration.ofSeconds(settleSeconds));
            if (!agent.isAlive()) {
                throw new IllegalStateException("the agent did not stay connected (see " + log + ")");
            }
            return ProcFiles.residentKiB(agent.pid())
                    .orElseThrow(() -> new IOException("no VmRSS in /proc/" + agent.pid() + "/status"));
        }
    }
}
