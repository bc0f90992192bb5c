package io.ballast.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.LoopDisk;
import io.ballast.worker.resize.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The right-sizing example of the design's worked examples: a 10 GiB partition with 8 GiB unused, profile "keep 4
 * GiB free", resized to 6 GiB; the partitions after it move left and onto 1 MiB boundaries; about 4 GiB saved.
 */
class RightSizingExampleTest {

    private static final long MIB = 1 << 20;
    private static final long GIB = 1L << 30;

    @TempDir
    Path temp;

    @Test
    void aTenGibPartitionWithEightGibUnusedBecomesSixAndFourGibAreSaved() throws Exception {
        TestImages.requireTools();
        long p1 = 10 * GIB / 512;
        long p2Start = 63 + p1 + 1000;
        String script = "label: dos\n"
                + "start=63, size=" + p1 + ", type=83\n"
                + "start=" + p2Start + ", size=" + (GIB / 512) + ", type=83\n"
                + "start=" + (p2Start + GIB / 512 + 7) + ", size=" + (512 * MIB / 512) + ", type=82\n";
        Path image;
        Map<String, String> files1;
        Map<String, String> files2;
        try (LoopDisk disk = LoopDisk.create(temp, 12 * GIB, script)) {
            Path first = disk.mountExt4(1, temp);
            // 2 GiB in use: one allocated (unwritten) file and real ones to check
            Commands.run("fallocate", "-l", "1990M", first.resolve("database").toString());
            for (int i = 0; i < 8; i++) {
                Commands.run(
                        "dd", "if=/dev/urandom", "of=" + first.resolve("file-" + i), "bs=1M", "count=1", "status=none");
            }
            Path second = disk.mountExt4(2, temp);
            Commands.run("dd", "if=/dev/urandom", "of=" + second.resolve("data"), "bs=1M", "count=4", "status=none");
            Commands.run("mkswap", disk.partition(3).toString());
            Commands.run("sync");
            files1 = sums(first);
            files2 = sums(second);
            disk.unmount(first);
            disk.unmount(second);
            image = disk.keep();
        }
        long sizeBefore = Files.size(image);

        ImageCommandTest.Run run = ImageCommandTest.image(
                "resize", image.toString(), "--partition", "1=6G", "--truncate", "--sparsify", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(run.out());
        Map<Integer, long[]> layout = TestImages.sfdiskLayout(image);
        assertThat(layout.get(1)).containsExactly(2048, 6 * GIB / 512);
        assertThat(layout.get(2)[0] % 2048).isZero();
        assertThat(layout.get(3)[0] % 2048).isZero();
        assertThat(layout.get(2)[0] * 512)
                .as("partition 2 moved left by about 4 GiB")
                .isLessThan(p2Start * 512 - 4 * GIB + 2 * MIB);
        long oldEnd = (p2Start + GIB / 512 + 7) * 512 + 512 * MIB;
        long newEnd = (layout.get(3)[0] + layout.get(3)[1]) * 512;
        assertThat(oldEnd - newEnd).as("bytes saved by the layout").isBetween(4 * GIB - 8 * MIB, 4 * GIB + 8 * MIB);
        assertThat(Files.size(image)).as("the image ends where its layout does").isBetween(newEnd, newEnd + MIB);
        assertThat(result.get("fileBytesBefore").asLong()).isEqualTo(sizeBefore);
        assertThat(result.get("fileBytesAfter").asLong()).isEqualTo(Files.size(image));
        TestImages.assertExtClean(image, 2048 * 512);
        TestImages.assertExtClean(image, layout.get(2)[0] * 512);
        assertThat(TestImages.files(image, 2048 * 512, 6 * GIB)).isEqualTo(files1);
        assertThat(TestImages.files(image, layout.get(2)[0] * 512, GIB)).isEqualTo(files2);
        assertThat(Files.size(image)).isLessThan(8 * GIB);
    }

    private static Map<String, String> sums(Path mount) throws Exception {
        Map<String, String> sums = new java.util.TreeMap<>();
        try (var walk = Files.walk(mount)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                sums.put(mount.relativize(file).toString(), TestImages.sha256(file));
            }
        }
        return sums;
    }
}
