package io.ballast.worker.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPTs made by sgdisk, rewritten, then checked by sgdisk -v and sfdisk -d and read back. */
class GptWriterTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path temp;

    private Path image;

    @BeforeEach
    void gptWithNamedPartitions() {
        SystemPrerequisites.requireTools("sgdisk", "sfdisk");
        image = temp.resolve("gpt.img");
        Commands.run("truncate", "-s", Long.toString(256 * MIB), image.toString());
        Commands.run(
                "sgdisk",
                "-n",
                "1:2048:+64M",
                "-c",
                "1:boot",
                "-n",
                "2:0:+64M",
                "-c",
                "2:root",
                "-t",
                "2:8300",
                "-n",
                "3:0:+32M",
                "-c",
                "3:data",
                image.toString());
    }

    private static String sgdiskVerify(Path image) {
        return Commands.run("sgdisk", "-v", image.toString());
    }

    @Test
    void movedPartitionsAndAShrunkDiskPassSgdiskAndKeepTheirNames() throws Exception {
        String uniqueBefore = Commands.run("sgdisk", "-i", "2", image.toString());
        Map<Integer, ByteRange> layout = Map.of(
                2, ByteRange.ofLength(66 * MIB, 48 * MIB),
                3, ByteRange.ofLength(115 * MIB, 32 * MIB));
        long newDisk = 160 * MIB;

        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            GptWriter.rewrite(channel, 256 * MIB, newDisk, layout);
            channel.truncate(newDisk);
        }

        assertThat(sgdiskVerify(image)).contains("No problems found");
        String dump = Commands.run("sfdisk", "-d", image.toString());
        assertThat(dump)
                .contains("start=        2048, size=      131072")
                .contains("start=      135168, size=       98304")
                .contains("start=      235520, size=       65536")
                .contains("last-lba: " + (newDisk / 512 - 34));
        assertThat(dump).contains("name=\"boot\"").contains("name=\"root\"").contains("name=\"data\"");
        String uniqueAfter = Commands.run("sgdisk", "-i", "2", image.toString());
        assertThat(line(uniqueAfter, "Partition unique GUID")).isEqualTo(line(uniqueBefore, "Partition unique GUID"));
        assertThat(line(uniqueAfter, "Partition GUID code")).isEqualTo(line(uniqueBefore, "Partition GUID code"));
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
            PartitionTable table = PartitionTables.read(channel, newDisk);
            assertThat(table.partitions().get(1).range()).isEqualTo(layout.get(2));
            assertThat(table.partitions().get(2).range()).isEqualTo(layout.get(3));
        }
    }

    @Test
    void aGrownDiskGetsItsBackupAtTheNewEnd() throws Exception {
        long newDisk = 512 * MIB;
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.allocate(1), newDisk - 1);
            GptWriter.rewrite(channel, 256 * MIB, newDisk, Map.of(3, ByteRange.ofLength(130 * MIB, 300 * MIB)));
        }

        assertThat(sgdiskVerify(image)).contains("No problems found");
        assertThat(Commands.run("sfdisk", "-d", image.toString()))
                .contains("last-lba: " + (newDisk / 512 - 34))
                .contains("start=      266240, size=      614400");
    }

    @Test
    void badLayoutsAreRefusedAndTheImageIsUnchanged() throws Exception {
        String before = sha256(image);
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> GptWriter.rewrite(
                            channel, 256 * MIB, 256 * MIB, Map.of(3, ByteRange.ofLength(100 * MIB, 32 * MIB))))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("overlaps");
            assertThatThrownBy(() -> GptWriter.rewrite(
                            channel, 256 * MIB, 256 * MIB, Map.of(4, ByteRange.ofLength(200 * MIB, MIB))))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessage("the GPT has no partition 4");
            assertThatThrownBy(() -> GptWriter.rewrite(
                            channel, 256 * MIB, 256 * MIB, Map.of(3, ByteRange.ofLength(250 * MIB, 10 * MIB))))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("is not inside the usable LBAs");
            assertThatThrownBy(() -> GptWriter.rewrite(
                            channel, 256 * MIB, 256 * MIB, Map.of(3, ByteRange.ofLength(200 * MIB + 100, MIB))))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("is not whole sectors");
            assertThatThrownBy(() -> GptWriter.rewrite(channel, 256 * MIB, 100 * MIB, Map.of()))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("is not inside the usable LBAs");
            assertThatThrownBy(() -> GptWriter.rewrite(channel, 256 * MIB, 300 * MIB, Map.of()))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("is past the end of the");
        }
        assertThat(sha256(image)).isEqualTo(before);
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
