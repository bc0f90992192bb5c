package io.ballast.agent.cli;

import io.ballast.agent.config.AgentConfig;
import io.ballast.agent.grpc.AgentDaemon;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
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
    public Integer call() throws InterruptedException {
        AgentDaemon daemon;
        try {
            daemon = AgentDaemon.create(AgentConfig.load(config), new GuestAgentCommand.Version().getVersion()[0]);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("ballast agent: " + e.getMessage());
            return BallastCommand.REFUSED;
        } catch (IOException | GeneralSecurityException e) {
            spec.commandLine().getErr().println("ballast agent: cannot start: " + e.getMessage());
            return BallastCommand.FAILED;
        }
        Thread stop = new Thread(daemon::close, "agent-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        spec.commandLine().getErr().println("ballast agent: VM " + daemon.vmId() + " connecting to the gateway");
        daemon.run();
        return 0;
    }
}
