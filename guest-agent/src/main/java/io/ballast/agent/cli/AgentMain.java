package io.ballast.agent.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The jar's entry point. {@code run --config FILE}, the daemon, starts without the command-line parser: its two
 * hundred classes would stay loaded for the daemon's whole life, a noticeable share of its resident memory. Every
 * other command line, {@code run --help} and malformed {@code run} lines included, goes through
 * {@link GuestAgentCommand}.
 */
public final class AgentMain {

    private AgentMain() {}

    public static void main(String[] args) {
        Optional<Path> daemonConfig = daemonConfig(args);
        int exitCode;
        if (daemonConfig.isPresent()) {
            PrintWriter err = new PrintWriter(System.err, true);
            exitCode = Daemon.run(daemonConfig.get(), err);
        } else {
            exitCode = GuestAgentCommand.execute(args);
        }
        System.exit(exitCode);
    }

    /** The configuration file when {@code args} is exactly {@code run --config FILE} or {@code run --config=FILE}. */
    static Optional<Path> daemonConfig(String... args) {
        if (args.length == 3 && args[0].equals("run") && args[1].equals("--config") && !args[2].startsWith("-")) {
            return Optional.of(Path.of(args[2]));
        }
        String prefix = "--config=";
        if (args.length == 2
                && args[0].equals("run")
                && args[1].startsWith(prefix)
                && args[1].length() > prefix.length()) {
            return Optional.of(Path.of(args[1].substring(prefix.length())));
        }
        return Optional.empty();
    }
}
