package io.ballast.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.agent.cli.GuestAgentCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GuestAgentCommandTest {

    @Test
    void versionNamesTheBuild() {
        var out =
                capture(() -> assertThat(GuestAgentCommand.execute("--version")).isZero(), false);
        assertThat(out).startsWith("ballast guest-agent ").doesNotContain("${").doesNotContain("unknown");
    }

    @Test
    void anUnknownOptionIsOneLineAndExitCodeTwo() {
        var err = capture(
                () -> assertThat(GuestAgentCommand.execute("--frobnicate")).isEqualTo(2), true);
        assertThat(err.strip()).isEqualTo("ballast agent: Unknown option: '--frobnicate'");
    }

    private static String capture(Runnable action, boolean stderr) {
        PrintStream original = stderr ? System.err : System.out;
        var buffer = new ByteArrayOutputStream();
        PrintStream replacement = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        if (stderr) {
            System.setErr(replacement);
        } else {
            System.setOut(replacement);
        }
        try {
            action.run();
        } finally {
            if (stderr) {
                System.setErr(original);
            } else {
                System.setOut(original);
            }
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
