package io.ballast.local.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CommandsTest {

    @Test
    void aToolThatFillsItsStandardErrorBeforeWritingItsOutputDoesNotStall() {
        // 2 MiB on stderr first: far more than a pipe holds, so a reader that drains stdout first waits forever.
        String output = assertTimeoutPreemptively(
                Duration.ofSeconds(60),
                () -> Commands.run("sh", "-c", "head -c 2097152 /dev/zero | tr '\\0' e >&2; echo done"));

        assertThat(output).isEqualTo("done\n");
    }

    @Test
    void aFailedToolIsNamedWithItsExitCodeAndStandardError() {
        assertThatThrownBy(() -> Commands.run("sh", "-c", "echo partial; echo 'no such disk' >&2; exit 3"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("sh -c echo partial; echo 'no such disk' >&2; exit 3 exited with 3: no such disk");
    }

    @Test
    void aToolStillRunningAtItsBoundIsKilledAndNamed() {
        long start = System.nanoTime();

        assertThatThrownBy(() -> Commands.run(Duration.ofSeconds(1), "sleep", "30"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("sleep 30 did not finish within 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    }

    @Test
    void inputReachesTheTool() {
        assertThat(Commands.runWithInput("label: gpt\n", "cat")).isEqualTo("label: gpt\n");
    }

    @Test
    void aToolThatCannotStartSaysSo() {
        assertThatThrownBy(() -> Commands.run("/nonexistent/tool"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("cannot run /nonexistent/tool: ");
    }
}
