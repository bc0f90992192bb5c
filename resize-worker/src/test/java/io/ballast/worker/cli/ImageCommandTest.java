package io.ballast.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ballast image reclaim} on a GPT image file with data written into its partition. */
class ImageCommandTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path temp;

    private Path image;

    record Run(int exitCode, String out, String err) {}

    static Run image(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var commandLine = ImageCommand.program().commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return new Run(commandLine.execute(args), out.toString(), err.toString());
    }

    @BeforeEach
    void imageWithData() {
        SystemPrerequisites.requireTools("sfdisk", "dd");
        image = temp.resolve("disk.img");
        Commands.run("truncate", "-s", Long.toString(64 * MIB), image.toString());
        Commands.runWithInput("label: gpt\nstart=2048\n", "sfdisk", "--quiet", image.toString());
        Commands.run(
                "dd", "if=/dev/urandom", "of=" + image, "bs=1M", "seek=2", "count=8", "conv=notrunc", "status=none");
    }

    @Test
    void checkCountsAndReclaimFreesTheAgentsExtents() throws Exception {
        // The agent's show --json, as the host receives it.
        Path extents = Files.writeString(
                temp.resolve("show.json"),
                "{\"path\":\"/.ballast\",\"sizeBytes\":4194304,\"extents\":[{\"diskOffsetBytes\":2097152,"
                        + "\"lengthBytes\":3145728},{\"diskOffsetBytes\":5242880,\"lengthBytes\":1048576}]}");

        Run check = image("reclaim", image.toString(), "--extents", extents.toString(), "--check", "--json");
        Run reclaim = image("reclaim", image.toString(), "--extents", extents.toString(), "--json");
        Run after = image("reclaim", image.toString(), "--extents", extents.toString(), "--check", "--json");

        ObjectMapper json = new ObjectMapper();
        assertThat(check.exitCode()).as(check.err()).isZero();
        assertThat(json.readTree(check.out()).get("backedInRangesBytes").asLong())
                .isEqualTo(4 * MIB);
        assertThat(reclaim.exitCode()).as(reclaim.err()).isZero();
        JsonNode result = json.readTree(reclaim.out());
        assertThat(result.get("rangesBytes").asLong()).isEqualTo(4 * MIB);
        assertThat(result.get("freedBytes").asLong()).isEqualTo(4 * MIB);
        assertThat(result.get("backedBeforeBytes").asLong()
                        - result.get("backedAfterBytes").asLong())
                .isEqualTo(4 * MIB);
        assertThat(json.readTree(after.out()).get("backedInRangesBytes").asLong())
                .isZero();
        assertThat(Files.size(image)).isEqualTo(64 * MIB);
    }

    @Test
    void badExtentsAreOneLineAndExitCodeTwo() throws Exception {
        String before = Commands.run("sha256sum", image.toString());
        for (String[] bad : new String[][] {
            {"nope", "ballast image: extents are not JSON: "},
            {
                "{\"extentsUnavailable\":\"device-mapper device vg0-root\"}",
                "ballast image: the agent reported no extents"
            },
            {"[{\"diskOffsetBytes\":1048576}]", "ballast image: extent 0 has no whole number \"lengthBytes\""},
            {"[{\"diskOffsetBytes\":-4096,\"lengthBytes\":4096}]", "ballast image: extent 0 at -4096 of 4096 bytes"},
            {
                "[{\"diskOffsetBytes\":0,\"lengthBytes\":4096}]",
                "ballast image: range [0, 4096) overlaps the partition table"
            }
        }) {
            Path file = Files.writeString(temp.resolve("bad.json"), bad[0]);

            Run run = image("reclaim", image.toString(), "--extents", file.toString());

            assertThat(run.exitCode()).as(bad[0]).isEqualTo(2);
            assertThat(run.err()).as(bad[0]).startsWith(bad[1]);
            assertThat(run.err().strip().lines()).hasSize(1);
        }
        assertThat(Commands.run("sha256sum", image.toString())).isEqualTo(before);
    }

    @Test
    void aMissingExtentsFileIsOneLine() {
        Run run = image(
                "reclaim",
                image.toString(),
                "--extents",
                temp.resolve("none.json").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip())
                .isEqualTo("ballast image: extents file " + temp.resolve("none.json") + " does not exist");
    }
}
