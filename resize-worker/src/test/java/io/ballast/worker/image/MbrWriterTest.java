package io.ballast.worker.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MBR tables with logical partitions made by sfdisk, rewritten from their snapshot, checked by sfdisk. */
class MbrWriterTest {

    private static final long MIB = 1 << 20;
    private static final long SECTOR = 512;

    @TempDir
    Path temp;

    private Path image;
    private TableSnapshot snapshot;

    @BeforeEach
    void mbrWithLogicalPartitions() throws Exception {
        SystemPrerequisites.requireTools("sfdisk");
        image = temp.resolve("mbr.img");
        Commands.run("truncate", "-s", Long.toString(256 * MIB), image.toString());
        sfdisk(image, """
                label: dos
                label-id: 0x12345678
                start=63, size=131009, type=83, bootable
                start=131072, type=5
                start=133120, size=65536, type=83
                start=200704, size=32768, type=82
                start=235520, size=20480, type=7
                """);
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
            snapshot = TableSnapshot.of(channel, 256 * MIB, PartitionTables.read(channel, 256 * MIB));
        }
    }

    private static void sfdisk(Path image, String script) {
        Commands.runWithInput(script, "sfdisk", "-q", "--no-reread", "--no-tell-kernel", image.toString());
    }

    private static ByteRange sectors(long start, long count) {
        return ByteRange.ofLength(start * SECTOR, count * SECTOR);
    }

    @Test
    void movedAndShrunkLogicalPartitionsGetAFreshChainThatSfdiskReads() throws Exception {
        Map<Integer, ByteRange> layout = Map.of(
                1, sectors(2048, 131072),
                5, sectors(135168, 32768),
                6, sectors(169984, 32768),
                7, sectors(204800, 20480));
        rewrite(layout, 256 * MIB);

        String dump = Commands.run("sfdisk", "-d", image.toString());
        assertThat(dump)
                .contains("label-id: 0x12345678")
                .containsPattern("img1 : start=\\s+2048, size=\\s+131072, type=83, bootable")
                .containsPattern("img2 : start=\\s+135166, size=\\s+389122, type=5")
                .containsPattern("img5 : start=\\s+135168, size=\\s+32768, type=83")
                .containsPattern("img6 : start=\\s+169984, size=\\s+32768, type=82")
                .containsPattern("img7 : start=\\s+204800, size=\\s+20480, type=7");
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ)) {
            PartitionTable table = PartitionTables.read(channel, 256 * MIB);
            assertThat(table.partitions())
                    .extracting(Partition::number, Partition::range)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(1, layout.get(1)),
                            org.assertj.core.groups.Tuple.tuple(5, layout.get(5)),
                            org.assertj.core.groups.Tuple.tuple(6, layout.get(6)),
                            org.assertj.core.groups.Tuple.tuple(7, layout.get(7)));
        }
    }

    @Test
    void chsValuesAreTheOnesSfdiskWritesForTheSameLayout() throws Exception {
        rewrite(
                Map.of(
                        1, sectors(2048, 131072),
                        5, sectors(135168, 32768),
                        6, sectors(169984, 32768),
                        7, sectors(204800, 20480)),
                256 * MIB);
        Path reference = temp.resolve("reference.img");
        Commands.run("truncate", "-s", Long.toString(256 * MIB), reference.toString());
        sfdisk(reference, """
                label: dos
                label-id: 0x12345678
                start=2048, size=131072, type=83, bootable
                start=135166, size=389122, type=5
                start=135168, size=32768, type=83
                """);
        byte[] ours = Arrays.copyOfRange(Files.readAllBytes(image), 446, 478);
        byte[] theirs = Arrays.copyOfRange(Files.readAllBytes(reference), 446, 478);
        assertThat(HexFormat.of().formatHex(ours)).isEqualTo(HexFormat.of().formatHex(theirs));
    }

    @Test
    void pastCylinder1023TheChsIsTheMaximumMarker() {
        MbrWriter.Geometry geometry = MbrWriter.Geometry.DEFAULT;
        assertThat(geometry.chs(1024L * 255 * 63)).containsExactly(0xFE, 0xFF, 0xFF);
        assertThat(geometry.chs(63)).containsExactly(1, 1, 0);
        // cylinder 1023, head 254, sector 63: the last sector CHS can name
        assertThat(geometry.chs(1024L * 255 * 63 - 1)).containsExactly(0xFE, 0xFF, 0xFF);
        assertThat(geometry.chs(1023L * 255 * 63)).containsExactly(0, 0xC1, 0xFF);
    }

    @Test
    void rewritingTwiceGivesTheSameBytes() throws Exception {
        Map<Integer, ByteRange> layout = Map.of(
                1, sectors(2048, 131072),
                5, sectors(135168, 32768),
                6, sectors(169984, 32768),
                7, sectors(204800, 20480));
        rewrite(layout, 128 * MIB);
        String first = sha256(image);
        rewrite(layout, 128 * MIB);
        assertThat(sha256(image)).isEqualTo(first);
        assertThat(Commands.run("sfdisk", "-d", image.toString()))
                .containsPattern("img2 : start=\\s+135166, size=\\s+126978, type=5");
    }

    @Test
    void aLogicalPartitionWithNoSectorForItsEbrIsRefusedAndNothingIsWritten() throws Exception {
        String before = sha256(image);
        Map<Integer, ByteRange> layout = Map.of(
                1, sectors(2048, 131072),
                5, sectors(135168, 32768),
                6, sectors(167936, 32768),
                7, sectors(204800, 20480));
        assertThatThrownBy(() -> rewrite(layout, 256 * MIB))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("overlap");
        assertThatThrownBy(() -> rewrite(Map.of(1, sectors(2048, 131072), 9, sectors(300000, 8)), 256 * MIB))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("no partition 9");
        assertThat(sha256(image)).isEqualTo(before);
    }

    @Test
    void theBootCodeAndDiskSignatureStay() throws Exception {
        byte[] boot = new byte[440];
        Arrays.fill(boot, (byte) 0x90);
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            channel.write(ByteBuffer.wrap(boot), 0);
            snapshot = TableSnapshot.of(channel, 256 * MIB, PartitionTables.read(channel, 256 * MIB));
        }
        rewrite(
                Map.of(
                        1, sectors(2048, 131072),
                        5, sectors(135168, 32768),
                        6, sectors(169984, 32768),
                        7, sectors(204800, 20480)),
                256 * MIB);
        byte[] after = Files.readAllBytes(image);
        assertThat(Arrays.copyOfRange(after, 0, 440)).isEqualTo(boot);
        assertThat(HexFormat.of().formatHex(after, 440, 444)).isEqualTo("78563412");
    }

    private void rewrite(Map<Integer, ByteRange> layout, long newDiskBytes) throws Exception {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MbrWriter.rewrite(channel, snapshot, newDiskBytes, layout);
        }
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
