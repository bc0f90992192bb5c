package io.ballast.bench;

import io.ballast.bench.agent.AgentMemoryBench;
import io.ballast.bench.agent.InflateBench;
import io.ballast.bench.gateway.GatewayBench;
import io.ballast.bench.gateway.GatewayRestartBench;
import io.ballast.bench.image.ImageBench;
import io.ballast.bench.inventory.InventoryBench;
import io.ballast.bench.reservation.ReservationBench;
import io.ballast.bench.stack.StackBench;
import io.ballast.cli.Program;
import picocli.CommandLine.Command;

/**
 * {@code ./ballast bench ...}: each benchmark compares Ballast with a reference doing the same work in the same run
 * and prints medians and paired ratios, as text or as one JSON object ({@code --json}). A run that fails says why in
 * one line and exits 1; bad options, an unknown benchmark or none exit 2. The subcommands below are the one list of
 * benchmarks: {@code ./ballast} passes every name on.
 */
@Command(
        name = "ballast bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks of docs/benchmarks.md.",
        subcommands = {
            InflateBench.class,
            AgentMemoryBench.class,
            GatewayBench.class,
            GatewayRestartBench.class,
            ImageBench.class,
            ReservationBench.class,
            InventoryBench.class,
            StackBench.class
        })
public final class BenchCommand {

    public static void main(String[] args) {
        BenchLogging.warningsOnly();
        Program.of(new BenchCommand()).exit(args);
    }
}
