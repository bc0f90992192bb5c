package io.ballast.worker.resize;

import static io.ballast.worker.image.ImageBytes.get;
import static io.ballast.worker.image.ImageBytes.put;
import static io.ballast.worker.image.ImageBytes.put32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.testsupport.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import io.ballast.worker.image.ImageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad tables and images handed to a resize: every one-byte mutation of valid MBR/EBR and GPT tables, an EBR chain
 * that loops, overlapping partitions, a bad GPT CRC, a truncated image. Each is either still a valid table (and
 * resized) or refused with an {@link ImageException}, and a refused image is byte for byte what it was.
 */
class ResizeBadInputTest {

    private static final long MIB = 1 << 20;
    private static final ResizeOptions ALIGN = new ResizeOptions(Map.of(), null, "1m", Set.of(), false, false);

    @TempDir
    Path temp;

    private Path mbr;
    private Path gpt;

    @BeforeEach
    void tables() {
        SystemPrerequisites.require("sfdisk", "sgdisk");
        mbr = temp.resolve("mbr.img");
        Commands.run("truncate", "-s", Long.toString(8 * MIB), mbr.toString());
        Commands.runWithInput("""
                label: dos
                start=63, size=1985, type=83
                start=2048, type=5
                start=4096, size=1024, type=83
                start=6144, size=1024, type=83
                """, "sfdisk", "--quiet", mbr.toString());
        gpt = temp.resolve("gpt.img");
        Commands.run("truncate", "-s", Long.toString(8 * MIB), gpt.toString());
        Commands.run("sgdisk", "-n", "1:34:+2M", "-n", "2:0:+2M", gpt.toString());
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
        // types, starts and sizes that leave the disk or overlap do not
        assertThat(outcomes.refused()).as("mutations refused").isGreaterThan(50);
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

    private record Outcomes(int refused, int resized) {}

    /** Each offset changed in turn to 0x00, 0xFF and its value with bit 0 flipped, on a fresh copy. */
    private Outcomes mutateEach(Path pristine, List<Long> offsets) throws Exception {
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
                put(image, offset, value);
                String before = TestImages.sha256(image);
                try {
                    ImageResize.run(image, ALIGN, ImageResize.Listener.NONE);
                    resized++;
                    Files.copy(pristine, image, StandardCopyOption.REPLACE_EXISTING);
                } catch (ImageException e) {
                    refused++;
                    assertThat(TestImages.sha256(image))
                            .as("image after byte %d set to 0x%02x was refused: %s", offset, value, e.getMessage())
                            .isEqualTo(before);
                    assertThat(TestImages.leftovers(image)).isEmpty();
                    put(image, offset, original);
                }
            }
        }
        return new Outcomes(refused, resized);
    }

    private void refused(Path image, String message) throws Exception {
        String before = TestImages.sha256(image);
        assertThatThrownBy(() -> ImageResize.run(image, ALIGN, ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.class)
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
