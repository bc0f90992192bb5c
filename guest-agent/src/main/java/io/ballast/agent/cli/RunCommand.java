package io.ballast.agent.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ballast agent run --config FILE}: the agent as a daemon, until SIGTERM. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Keep the ballasts, connected to a gateway (reconnects with backoff) until terminated.")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The agent's properties file.")
    Path config;

    @Override
    public Integer call() {
        return Daemon.run(config, spec.commandLine().getErr());
    }
}
