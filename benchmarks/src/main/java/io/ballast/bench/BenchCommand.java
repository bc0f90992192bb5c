package io.ballast.bench;

import io.ballast.bench.agent.AgentMemoryBench;
import io.ballast.bench.agent.InflateBench;
import io.ballast.bench.gateway.GatewayBench;
import io.ballast.bench.image.ImageBench;
import io.ballast.cli.Program;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ./ballast bench ...}: each benchmark compares Ballast with a reference doing the same work in the same run
 * and prints medians and paired ratios, as text or as one JSON object ({@code --json}). A run that fails says why in
 * one line and exits 1; bad options exit 2.
 */
@Command(
        name = "ballast bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks of docs/benchmarks.md.",
        subcommands = {InflateBench.class, AgentMemoryBench.class, GatewayBench.class, ImageBench.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        Program.of(new BenchCommand()).exit(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
