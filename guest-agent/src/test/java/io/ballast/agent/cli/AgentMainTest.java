package io.ballast.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.cli.ExitCode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentMainTest {

    @TempDir
    Path temp;

    @Test
    void onlyTheExactDaemonLineBypassesTheParser() {
        assertThat(AgentMain.daemonConfig("run", "--config", "/etc/ballast/agent.properties"))
                .contains(Path.of("/etc/ballast/agent.properties"));
        assertThat(AgentMain.daemonConfig("run", "--config=/etc/ballast/agent.properties"))
                .contains(Path.of("/etc/ballast/agent.properties"));

        assertThat(AgentMain.daemonConfig("run")).isEmpty();
        assertThat(AgentMain.daemonConfig("run", "--help")).isEmpty();
        assertThat(AgentMain.daemonConfig("run", "--config")).isEmpty();
        assertThat(AgentMain.daemonConfig("run", "--config=")).isEmpty();
        assertThat(AgentMain.daemonConfig("run", "--config", "--help")).isEmpty();
        assertThat(AgentMain.daemonConfig("run", "--config", "a", "b")).isEmpty();
        assertThat(AgentMain.daemonConfig("ballast", "--config", "a")).isEmpty();
        assertThat(AgentMain.daemonConfig()).isEmpty();
    }

    @Test
    void aDaemonWithAMissingOrBadConfigurationSaysWhyInOneLine() throws Exception {
        StringWriter missing = new StringWriter();
        int missingCode = Daemon.run(temp.resolve("absent.properties"), new PrintWriter(missing, true));

        Path bad = Files.writeString(temp.resolve("bad.properties"), "gateway = gateway.example:99999\nmounts = /\n");
        StringWriter malformed = new StringWriter();
        int malformedCode = Daemon.run(bad, new PrintWriter(malformed, true));

        assertThat(missingCode).isEqualTo(ExitCode.REFUSED);
        assertThat(missing.toString().lines()).singleElement().asString().startsWith("ballast agent: ");
        assertThat(malformedCode).isEqualTo(ExitCode.REFUSED);
        assertThat(malformed.toString().lines()).singleElement().asString().contains("gateway port '99999'");
    }
}
