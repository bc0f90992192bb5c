package io.ballast.agent.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the guest agent ({@code ./ballast agent ...}). Usage errors print one line and exit with 2.
 */
@Command(
        name = "ballast agent",
        mixinStandardHelpOptions = true,
        versionProvider = GuestAgentCommand.Version.class,
        subcommands = {BallastCommand.class, RunCommand.class},
        description = "Keeps the ballast (regulation file) of this guest's filesystems, sized by the host side.")
public final class GuestAgentCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the command line and returns the exit code: 0 done, 1 failed, 2 bad usage or refused. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The command line with its one-line usage errors (exit code 2). */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new GuestAgentCommand());
        commandLine.setParameterExceptionHandler((exception, arguments) -> {
            exception.getCommandLine().getErr().println("ballast agent: " + exception.getMessage());
            return ExitCodes.REFUSED;
        });
        return commandLine;
    }

    /** The version the build wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Daemon.version()};
        }
    }
}
