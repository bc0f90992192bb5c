package io.ballast.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ballast image scan} on images built with sfdisk and mkfs.ext4 -E offset=. */
class ImageScanCommandTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path temp;

    private Path image(String name, long sizeBytes, String layout) {
        SystemPrerequisites.requireTools("sfdisk", "mkfs.ext4", "dumpe2fs", "resize2fs");
        Path image = temp.resolve(name);
        Commands.run("truncate", "-s", Long.toString(sizeBytes), image.toString());
        Commands.runWithInput(layout, "sfdisk", "--quiet", image.toString());
        return image;
    }

    private static void ext4(Path image, long startBytes, long sizeBytes) {
        Commands.run("mkfs.ext4", "-q", "-F", "-E", "offset=" + startBytes, image.toString(), (sizeBytes / 1024) + "k");
    }

    @Test
    void anMbrWithASector63StartAndALogicalPartitionIsMisalignedUnder4KiB() throws Exception {
        Path image = image(
                "dos.img",
                128 * MIB,
                "label: dos\nstart=63, size=102337, type=83\nstart=104448, type=5\nstart=106496, type=83\n");
        ext4(image, 63 * 512, 102337 * 512L);

        ImageCommandTest.Run run = ImageCommandTest.image("scan", image.toString(), "--json");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertThat(report.get("container").asText()).isEqualTo("raw");
        assertThat(report.get("table").asText()).isEqualTo("MBR");
        assertThat(report.get("diskBytes").asLong()).isEqualTo(128 * MIB);
        JsonNode first = report.get("partitions").get(0);
        assertThat(first.get("number").asInt()).isEqualTo(1);
        assertThat(first.get("startBytes").asLong()).isEqualTo(63 * 512);
        assertThat(first.get("sizeBytes").asLong()).isEqualTo(102337 * 512L);
        assertThat(first.get("filesystem").asText()).isEqualTo("ext2/3/4");
        assertThat(first.get("usedBytes").asLong()).isPositive();
        assertThat(first.get("minimumBytes").asLong())
                .isGreaterThanOrEqualTo(first.get("usedBytes").asLong() / 2)
                .isLessThan(first.get("sizeBytes").asLong());
        assertThat(first.get("alignmentBytes").asLong()).isEqualTo(512);
        JsonNode logical = report.get("partitions").get(1);
        assertThat(logical.get("number").asInt()).isEqualTo(5);
        assertThat(logical.get("startBytes").asLong()).isEqualTo(106496 * 512L);
        assertThat(logical.get("filesystem").asText()).isEqualTo("unknown");
        assertThat(logical.get("usedBytes").isNull()).isTrue();
        assertThat(logical.get("alignmentBytes").asLong()).isEqualTo(MIB);
    }

    @Test
    void aGptOnMebibyteBoundariesIsAlignedAndTheTextSaysWhatEachPartitionHolds() throws Exception {
        Path image = image("gpt.img", 96 * MIB, "label: gpt\nstart=2048, size=40960\nstart=43008\n");
        ext4(image, MIB, 20 * MIB);

        ImageCommandTest.Run run = ImageCommandTest.image("scan", image.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().lines().toList())
                .hasSize(3)
                .first()
                .isEqualTo(image + ": raw, " + 96 * MIB + " bytes, GPT");
        assertThat(run.out())
                .contains("partition 1: start " + MIB + ", size " + 20 * MIB)
                .contains("ext2/3/4, used ")
                .contains("partition 2: start " + 43008 * 512L)
                .contains("aligned to 1 MiB or more");
    }

    @Test
    void aPartitionOnA32KiBBoundaryIsExitCodeTwo() throws Exception {
        Path image = image("k32.img", 32 * MIB, "label: dos\nstart=64, size=20000, type=83\n");

        ImageCommandTest.Run run = ImageCommandTest.image("scan", image.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.out()).contains("aligned to 32768 bytes (under 64 KiB)");
    }

    @Test
    void anUnreadableImageOrAMissingArgumentIsOneLineAndExitCodeOne() throws Exception {
        Path missing = temp.resolve("missing.img");
        ImageCommandTest.Run run = ImageCommandTest.image("scan", missing.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).singleElement().asString().startsWith("ballast image: ");

        ImageCommandTest.Run usage = ImageCommandTest.image("scan");
        assertThat(usage.exitCode()).isEqualTo(1);

        Path qcow2 = temp.resolve("disk.qcow2");
        Files.write(qcow2, new byte[] {'Q', 'F', 'I', (byte) 0xFB, 0, 0, 0, 3});
        ImageCommandTest.Run refused = ImageCommandTest.image("scan", qcow2.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("qcow2");
    }
}
