package io.ballast.agent.cli;

import io.ballast.agent.config.AgentConfig;
import io.ballast.agent.grpc.AgentDaemon;
import io.ballast.cli.ExitCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Properties;

/** Starts the agent daemon from its configuration file and runs it until SIGTERM; no command-line parser involved. */
final class Daemon {

    private Daemon() {}

    /** Runs the daemon; returns 2 for a bad configuration, 1 when it cannot start, 0 after SIGTERM. */
    static int run(Path configFile, PrintWriter err) {
        AgentDaemon daemon;
        try {
            daemon = AgentDaemon.create(AgentConfig.load(configFile), version());
        } catch (IllegalArgumentException e) {
            err.println("ballast agent: " + e.getMessage());
            return ExitCode.REFUSED;
        } catch (IOException | GeneralSecurityException e) {
            err.println("ballast agent: cannot start: " + e.getMessage());
            return ExitCode.FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "agent-stop"));
        err.println("ballast agent: VM " + daemon.vmId() + " connecting to the gateway");
        try {
            daemon.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitCode.DONE;
    }

    /** The version the build wrote into the jar. */
    static String version() {
        Properties properties = new Properties();
        try (InputStream in = Daemon.class.getResourceAsStream("/guest-agent-version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "ballast guest-agent " + properties.getProperty("version", "unknown");
    }
}
