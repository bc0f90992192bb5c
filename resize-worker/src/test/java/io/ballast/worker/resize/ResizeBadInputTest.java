package io.ballast.worker.resize;

import static io.ballast.worker.image.ImageBytes.get;
import static io.ballast.worker.image.ImageBytes.put;
import static io.ballast.worker.image.ImageBytes.put32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.Partition;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.plan.LayoutPlanner;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad tables and images handed to a resize: every one-byte mutation of valid MBR/EBR and GPT tables (whose
 * partitions hold ext2 filesystems with files), an EBR chain that loops, overlapping partitions, a bad GPT CRC, a
 * truncated image. Each ends one of two ways: refused with an {@link ImageException.Refused} and the image's SHA-256
 * unchanged, or resized with every partition the mutated table described holding, at its new place, exactly the
 * bytes it held before (so every ext filesystem in it e2fsck-clean with every file as it was).
 */
class ResizeBadInputTest {

    private static final long MIB = 1 << 20;
    private static final ResizeOptions ALIGN =
            new ResizeOptions(Map.of(), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false);

    @TempDir
    Path temp;

    private Path mbr;
    private Path gpt;

    @BeforeEach
    void tables() throws IOException {
        SystemPrerequisites.require("sfdisk", "sgdisk", "mkfs.ext2", "e2fsck", "dumpe2fs", "resize2fs", "blkid");
        mbr = temp.resolve("mbr.img");
        Commands.run("truncate", "-s", Long.toString(8 * MIB), mbr.toString());
        Commands.runWithInput("""
                label: dos
                start=63, size=1985, type=83
                start=2048, type=5
                start=4096, size=1024, type=83
                start=6144, size=1024, type=83
                """, "sfdisk", "--quiet", mbr.toString());
        // a small filesystem with files in each partition: a mutation that is resized must keep them
        Path files = Files.createDirectories(temp.resolve("files"));
        Files.writeString(files.resolve("small.txt"), "kept\n");
        Files.write(
                files.resolve("random.bin"),
                new java.util.Random(3)
                        .ints(40_000)
                        .mapToObj(Integer::toString)
                        .collect(java.util.stream.Collectors.joining(","))
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        ext2WithFiles(mbr, files, new long[][] {{63, 1985}, {4096, 1024}, {6144, 1024}});
        gpt = temp.resolve("gpt.img");
        Commands.run("truncate", "-s", Long.toString(8 * MIB), gpt.toString());
        Commands.run("sgdisk", "-n", "1:34:4129", "-n", "2:6144:10239", gpt.toString());
        ext2WithFiles(gpt, files, new long[][] {{34, 4096}, {6144, 4096}});
    }

    /** An ext2 holding {@code files} in each partition, given as {start sector, sectors}, of {@code image}. */
    private static void ext2WithFiles(Path image, Path files, long[][] partitions) {
        for (long[] partition : partitions) {
            Commands.run(
                    "mkfs.ext2",
                    "-q",
                    "-F",
                    "-d",
                    files.toString(),
                    "-E",
                    "offset=" + partition[0] * 512,
                    image.toString(),
                    partition[1] / 2 + "k");
        }
    }

    @Test
    void everyOneByteMutationOfAnMbrAndItsEbrsIsATableOrATypedRefusal() throws Exception {
        List<Long> offsets = new ArrayList<>();
        for (long sector : new long[] {0, 2048, 6143}) {
            for (long offset = sector * 512 + 446; offset < sector * 512 + 512; offset++) {
                offsets.add(offset);
            }
        }
        Outcomes outcomes = mutateEach(mbr, offsets);
        System.out.println("MBR/EBR one-byte mutations: " + outcomes);
        // CHS bytes, boot flags, most type bytes and many LBA changes leave a valid table; signatures, zeroed
        // types, starts and sizes that leave the disk or overlap do not. Either way each was checked in mutateEach.
        assertThat(outcomes.refused() + outcomes.resized()).isEqualTo(outcomes.tried());
        assertThat(outcomes.refused()).as("mutations refused").isPositive();
        assertThat(outcomes.resized())
                .as("mutations that left a valid table (types, boot flags, CHS)")
                .isPositive();
    }

    @Test
    void everyOneByteMutationOfAGptHeaderOrEntryIsRefused() throws Exception {
        List<Long> offsets = new ArrayList<>();
        for (long offset = 512; offset < 512 + 92; offset++) {
            offsets.add(offset);
        }
        for (long offset = 1024; offset < 1024 + 128; offset++) {
            offsets.add(offset);
        }
        Outcomes outcomes = mutateEach(gpt, offsets);
        assertThat(outcomes.resized())
                .as("a GPT byte changed gets past its CRC32")
                .isZero();
    }

    @Test
    void anEbrLoopOverlappingPartitionsABadCrcAndATruncatedImageAreRefusedUnchanged() throws Exception {
        Path loop = copy(mbr, "loop.img");
        // the last EBR (sector 6143, where sfdisk put it) gets a link back to the first (offset 0 within the extended
        // partition)
        put(loop, 6143L * 512 + 446 + 16 + 4, (byte) 0x05);
        put32(loop, 6143L * 512 + 446 + 16 + 8, 0);
        put32(loop, 6143L * 512 + 446 + 16 + 12, 4096);
        refused(loop, "loops back");

        Path overlap = copy(mbr, "overlap.img");
        // partition 1 grown over the extended partition's first EBR and partition 5
        put32(overlap, 446 + 12, 8000);
        refused(overlap, "overlap");

        Path crc = copy(gpt, "crc.img");
        put(crc, 512 + 16, (byte) 0x5A);
        refused(crc, "CRC32");

        Path truncated = copy(mbr, "truncated.img");
        try (FileChannel channel = FileChannel.open(truncated, StandardOpenOption.WRITE)) {
            channel.truncate(3 * MIB);
        }
        refused(truncated, "past the disk's");
    }

    private record Outcomes(int tried, int refused, int resized) {}

    /**
     * Each offset changed in turn to 0x00, 0xFF and its value with bit 0 flipped, on a fresh copy, and resized with
     * alignment only (nothing shrinks or grows, so every partition the mutated table names must move whole).
     */
    private Outcomes mutateEach(Path pristine, List<Long> offsets) throws Exception {
        int tried = 0;
        int refused = 0;
        int resized = 0;
        Path image = temp.resolve("mutated.img");
        Files.copy(pristine, image, StandardCopyOption.REPLACE_EXISTING);
        for (long offset : offsets) {
            byte original = get(pristine, offset);
            for (byte value : new byte[] {0, (byte) 0xFF, (byte) (original ^ 0x01)}) {
                if (value == original) {
                    continue;
                }
                tried++;
                put(image, offset, value);
                String before = TestImages.sha256(image);
                String what = String.format("byte %d set to 0x%02x", offset, value);
                Map<ByteRange, String> contents = new LinkedHashMap<>();
                try {
                    for (Partition partition : DiskLayout.read(image).table().partitions()) {
                        contents.put(partition.range(), rangeSha256(image, partition.range()));
                    }
                } catch (ImageException.Refused notATable) {
                    // refused below as well
                }
                try {
                    ImageResize.Outcome outcome = ImageResize.run(image, ALIGN, ImageResize.Listener.NONE);
                    resized++;
                    for (LayoutPlanner.Placed placed : outcome.plan().layout()) {
                        assertThat(placed.to().lengthBytes())
                                .as(what)
                                .isEqualTo(placed.from().lengthBytes());
                        assertThat(rangeSha256(image, placed.to()))
                                .as("partition %d after %s holds what it held", placed.number(), what)
                                .isEqualTo(contents.get(placed.from()));
                        if (outcome.plan()
                                        .partition(placed.number())
                                        .orElseThrow()
                                        .filesystem()
                                == Filesystems.Kind.EXT) {
                            TestImages.assertExtClean(image, placed.to().startBytes());
                        }
                    }
                    Files.copy(pristine, image, StandardCopyOption.REPLACE_EXISTING);
                } catch (ImageException e) {
                    refused++;
                    assertThat(e).as(what).isInstanceOf(ImageException.Refused.class);
                    assertThat(TestImages.sha256(image))
                            .as("image after %s was refused: %s", what, e.getMessage())
                            .isEqualTo(before);
                    assertThat(TestImages.leftovers(image)).isEmpty();
                    put(image, offset, original);
                }
            }
        }
        return new Outcomes(tried, refused, resized);
    }

    private static String rangeSha256(Path image, ByteRange range) throws Exception {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        try (FileChannel channel = FileChannel.open(image)) {
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(64 << 10);
            for (long at = range.startBytes(); at < range.endBytes(); ) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), range.endBytes() - at));
                int read = channel.read(buffer, at);
                if (read < 0) {
                    break;
                }
                digest.update(buffer.flip());
                at += read;
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    private void refused(Path image, String message) throws Exception {
        String before = TestImages.sha256(image);
        assertThatThrownBy(() -> ImageResize.run(image, ALIGN, ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining(message);
        assertThat(TestImages.sha256(image)).isEqualTo(before);
        assertThat(TestImages.leftovers(image)).isEmpty();
    }

    private Path copy(Path from, String name) throws IOException {
        Path to = temp.resolve(name);
        Files.copy(from, to);
        return to;
    }
}
