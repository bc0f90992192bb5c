package io.ballast.agent.cli;

import io.ballast.agent.ballast.BallastException;
import io.ballast.cli.Program;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the guest agent ({@code ./ballast agent ...}). Errors print one line; exit codes are
 * {@link io.ballast.cli.ExitCode}'s: 0 done, 1 failed, 2 refused or bad usage (nothing changed).
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
        return program().execute(args);
    }

    /** The agent's program: one-line errors, and a refused ballast operation exits 2 like bad usage. */
    static Program program() {
        return Program.of(new GuestAgentCommand()).refusing(BallastException.Refused.class);
    }

    /** The version the build wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Daemon.version()};
        }
    }
}
