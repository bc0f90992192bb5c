package io.ballast.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.testsupport.LoopDisk;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BallastCommandTest {

    @TempDir
    Path temp;

    /** Exit code, standard output and standard error of one run of the agent's command line. */
    record Run(int exitCode, String out, String err) {}

    static Run agent(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = GuestAgentCommand.program().commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void setThenShowAsJsonOnARealFilesystem() throws Exception {
        try (LoopDisk disk = LoopDisk.create(temp, 512L << 20, "label: dos\nstart=2048\n")) {
            Path mount = disk.mountExt4(1, temp);

            Run set = agent("ballast", "set", "--mount", mount.toString(), "--size", "64M", "--json");
            Run show = agent("ballast", "show", "--mount", mount.toString(), "--json");

            assertThat(set.exitCode()).as(set.err()).isZero();
            assertThat(show.exitCode()).as(show.err()).isZero();
            JsonNode report = new ObjectMapper().readTree(show.out());
            assertThat(new ObjectMapper().readTree(set.out())).isEqualTo(report);
            assertThat(report.get("path").asText())
                    .isEqualTo(mount.resolve(".ballast").toString());
            assertThat(report.get("sizeBytes").asLong()).isEqualTo(64L << 20);
            assertThat(report.get("diskId").asText()).isEqualTo(disk.image().toString());
            assertThat(report.get("partitionStartBytes").asLong()).isEqualTo(2048L * 512);
            long total = 0;
            for (JsonNode extent : report.get("extents")) {
                assertThat(extent.get("diskOffsetBytes").asLong()).isGreaterThanOrEqualTo(2048L * 512);
                total += extent.get("lengthBytes").asLong();
            }
            assertThat(total).isEqualTo(64L << 20);
            assertThat(report.has("extentsUnavailable")).isFalse();
            assertThat(report.get("filesystem").get("type").asText()).isEqualTo("ext4");
            assertThat(report.get("filesystem").get("ballastBytes").asLong()).isGreaterThanOrEqualTo(64L << 20);
        }
    }

    @Test
    void aSizeThatIsNotOneIsOneLineAndExitCodeTwo() throws Exception {
        Run run = agent("ballast", "set", "--mount", temp.toString(), "--size", "12 apples");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip())
                .isEqualTo("ballast agent: Invalid value for option '--size': size '12 apples' is not a whole number of"
                        + " bytes with an optional K, M, G or T (binary) suffix");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aDirectoryThatIsNotAMountPointIsOneLineAndExitCodeTwo() throws Exception {
        Path plain = Files.createDirectory(temp.resolve("plain"));

        Run run = agent("ballast", "show", "--mount", plain.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).startsWith("ballast agent: " + plain + " is not a mount point");
        assertThat(run.err().strip().lines()).hasSize(1);
    }

    @Test
    void aMissingMountOptionIsOneLineAndExitCodeTwo() {
        Run run = agent("ballast", "set", "--size", "1M");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("ballast agent: Missing required option: '--mount=DIR'");
    }
}
