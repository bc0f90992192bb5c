package io.ballast.worker.resize;

import static io.ballast.worker.resize.TestImages.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.linux.Fd;
import io.ballast.local.launch.Commands;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.plan.LayoutPlanner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole resizes of images made by sfdisk, mkfs.ext4 and mkswap, checked with e2fsck, sfdisk, sgdisk and blkid. */
class ImageResizeTest {

    @TempDir
    Path temp;

    @BeforeEach
    void tools() {
        TestImages.requireTools();
    }

    private static ResizeOptions freeRatio(double ratio, boolean sparsify, boolean truncate) {
        return new ResizeOptions(Map.of(), OptionalDouble.of(ratio), Alignment.MIB_1, Set.of(), sparsify, truncate);
    }

    @Test
    void misalignedMbrWithLogicalPartitionsIsShrunkAlignedSparsifiedAndTruncated() throws Exception {
        TestImages.Built built = TestImages.mbrWithLogicals(temp);
        Path image = built.image();
        String swapBefore =
                Commands.run("blkid", "-p", "-o", "export", "--offset", Long.toString(528384L * 512), image.toString());

        ImageResize.Outcome outcome = ImageResize.run(image, freeRatio(0.3, true, true), ImageResize.Listener.NONE);

        Map<Integer, long[]> layout = TestImages.sfdiskLayout(image);
        assertThat(layout).containsOnlyKeys(1, 2, 5, 6);
        for (int number : new int[] {1, 5, 6}) {
            assertThat(layout.get(number)[0] % 2048)
                    .as("partition %d on a 1 MiB boundary", number)
                    .isZero();
        }
        for (LayoutPlanner.Placed placed : outcome.plan().layout()) {
            assertThat(layout.get(placed.number()))
                    .containsExactly(placed.to().startBytes() / 512, placed.to().lengthBytes() / 512);
        }
        assertThat(layout.get(1)[1]).isLessThan(327617);
        assertThat(layout.get(5)[1]).isLessThan(196608);
        assertThat(layout.get(6)[1]).isEqualTo(65536);
        TestImages.assertExtKept(built, image, layout, 1, 5);
        String swapAfter = Commands.run(
                "blkid", "-p", "-o", "export", "--offset", Long.toString(layout.get(6)[0] * 512), image.toString());
        assertThat(line(swapAfter, "UUID")).isEqualTo(line(swapBefore, "UUID"));
        assertThat(line(swapAfter, "LABEL")).isEqualTo("LABEL=ballast-swap");
        assertThat(Files.size(image)).isEqualTo(outcome.plan().finalDiskBytes()).isLessThan(300 * MIB);
        assertThat(outcome.allocatedBytesAfter()).isLessThan(outcome.allocatedBytesBefore());
        assertThat(TestImages.leftovers(image)).isEmpty();
    }

    @Test
    void gptPartitionGrowsWhileTheOneAfterItShrinksAndMovesRight() throws Exception {
        TestImages.Built built = TestImages.gpt(temp);
        Path image = built.image();
        ResizeOptions options = new ResizeOptions(
                Map.of(1, 192 * MIB, 2, 96 * MIB), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, true);

        ImageResize.Outcome outcome = ImageResize.run(image, options, ImageResize.Listener.NONE);

        assertThat(outcome.plan().steps())
                .extracting(step -> step.getClass().getSimpleName())
                .containsExactly(
                        "ShrinkFilesystem", "MoveData", "WriteTable", "PunchVacated", "GrowFilesystem", "Truncate");
        String verify = Commands.run("sgdisk", "-v", image.toString());
        assertThat(verify).contains("No problems found");
        Map<Integer, long[]> layout = TestImages.sfdiskLayout(image);
        assertThat(layout.get(1)).containsExactly(2048, 192 * 2048);
        assertThat(layout.get(2)).containsExactly(2048 + 192 * 2048, 96 * 2048);
        TestImages.assertExtKept(built, image, layout, 1, 2);
        assertThat(Filesystems.extUsage(image, MIB).sizeBytes()).isEqualTo(192 * MIB);
        assertThat(outcome.allocatedBytesAfter())
                .as("without --sparsify too, a resize does not grow the image's allocation (what moved partitions"
                        + " left and the zeros resize2fs wrote are punched)")
                .isLessThanOrEqualTo(outcome.allocatedBytesBefore());
        assertThat(Files.size(image)).isEqualTo((1 + 192 + 96 + 1) * MIB);
    }

    @Test
    void aMovedPartitionsVacatedRangeIsPunchedWithoutSparsifyOrTruncate() throws Exception {
        // partition 1 shrinks by 64 MiB, so partition 2 (24 MiB of files at its end) moves left by 64 MiB: its old
        // last 64 MiB are no partition's any more once the new table is durable, and must not stay allocated
        TestImages.Built built = TestImages.gpt(temp);
        Path image = built.image();
        long oldEndOfTwo = (264192L + 524288) * 512;
        ResizeOptions options =
                new ResizeOptions(Map.of(1, 64 * MIB), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false);

        ImageResize.Outcome outcome = ImageResize.run(image, options, ImageResize.Listener.NONE);

        assertThat(outcome.plan().steps())
                .extracting(step -> step.getClass().getSimpleName())
                .containsSubsequence("MoveData", "WriteTable", "PunchVacated")
                .doesNotContain("PunchUnused", "Truncate");
        Map<Integer, long[]> layout = TestImages.sfdiskLayout(image);
        long newEndOfTwo = (layout.get(2)[0] + layout.get(2)[1]) * 512;
        assertThat(newEndOfTwo).isEqualTo(oldEndOfTwo - 64 * MIB);
        try (Fd fd = Fd.readOnly(image)) {
            assertThat(fd.dataBytes(newEndOfTwo, oldEndOfTwo))
                    .as("bytes still backed where partition 2 ended before it moved")
                    .isZero();
        }
        assertThat(Files.size(image)).as("no truncate").isEqualTo(512 * MIB);
        assertThat(outcome.allocatedBytesAfter()).isLessThanOrEqualTo(outcome.allocatedBytesBefore());
        TestImages.assertExtKept(built, image, layout, 1, 2);
    }

    @Test
    void aVmdkFlatDescriptorGetsTheNewSizeAndGeometry() throws Exception {
        TestImages.Built built = TestImages.mbrWithLogicals(temp);
        Path flat = temp.resolve("vm-flat.vmdk");
        Files.move(built.image(), flat);
        Path descriptor = temp.resolve("vm.vmdk");
        Files.writeString(descriptor, """
                # Disk DescriptorFile
                version=1
                CID=fffffffe
                parentCID=ffffffff
                createType="monolithicFlat"

                # Extent description
                RW 1048576 FLAT "vm-flat.vmdk" 0

                # The Disk Data Base
                #DDB

                ddb.virtualHWVersion = "4"
                ddb.geometry.cylinders = "65"
                ddb.geometry.heads = "255"
                ddb.geometry.sectors = "63"
                ddb.adapterType = "lsilogic"
                """);

        ImageResize.Outcome outcome =
                ImageResize.run(descriptor, freeRatio(0.3, false, true), ImageResize.Listener.NONE);

        long sectors = outcome.plan().finalDiskBytes() / 512;
        assertThat(Files.size(flat)).isEqualTo(sectors * 512);
        assertThat(Files.readString(descriptor))
                .contains("RW " + sectors + " FLAT \"vm-flat.vmdk\" 0")
                .contains("ddb.geometry.cylinders = \"" + sectors / (255 * 63) + "\"")
                .contains("ddb.adapterType = \"lsilogic\"");
        assertThat(Commands.run("qemu-img", "info", "--output=json", descriptor.toString()))
                .containsPattern("\"virtual-size\":\\s*" + sectors * 512);
        TestImages.assertExtKept(built, flat, 1, 5);
    }

    @Test
    void ntfsShrunkAndMovedPointsBothBootSectorsAtItsNewStartAndLeavesNoStaleBackup() throws Exception {
        TestImages.Built built = TestImages.ntfs(temp);
        Path image = built.image();
        int geometryBefore = bootSector(image, 63L * 512).getInt(0x18);

        ImageResize.run(
                image,
                new ResizeOptions(Map.of(1, 96 * MIB), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, true),
                ImageResize.Listener.NONE);

        Map<Integer, long[]> layout = TestImages.sfdiskLayout(image);
        assertThat(layout.get(1)).containsExactly(2048, 96 * 2048);
        java.nio.ByteBuffer boot = bootSector(image, MIB);
        assertThat(Integer.toUnsignedLong(boot.getInt(0x1C)))
                .as("hidden sectors")
                .isEqualTo(2048);
        assertThat(boot.getInt(0x18))
                .as("sectors per track and heads, as before")
                .isEqualTo(geometryBefore);
        assertThat(TestImages.ntfsFiles(image, MIB, 96 * MIB))
                .isEqualTo(built.files().get(1));
        assertThat(Files.size(image)).isEqualTo((1 + 96) * MIB);
        java.nio.ByteBuffer backup = bootSector(image, MIB + 96 * MIB - 512);
        assertThat(backup.array())
                .as("the backup boot sector in the partition's last sector, the same as the primary")
                .isEqualTo(boot.array());
        assertThat(TestImages.ntfsCheck(image, MIB, 96 * MIB))
                .contains("Checking the alternate boot sector... OK")
                .doesNotContain("BAD");
    }

    @Test
    void aDryRunPlansAndChangesNothing() throws Exception {
        Path image = TestImages.mbrWithLogicals(temp).image();
        String before = TestImages.sha256(image);

        ResizePlan preview = ImageResize.preview(image, freeRatio(0.3, true, true));

        assertThat(preview.steps()).isNotEmpty();
        assertThat(preview.finalDiskBytes()).isLessThan(Files.size(image));
        assertThat(TestImages.sha256(image)).isEqualTo(before);
        assertThat(TestImages.leftovers(image)).isEmpty();
    }

    @Test
    void refusalsChangeNothing() throws Exception {
        Path image = TestImages.mbrWithLogicals(temp).image();
        String before = TestImages.sha256(image);

        assertThatThrownBy(() -> ImageResize.run(
                        image,
                        new ResizeOptions(
                                Map.of(1, 8 * MIB), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false),
                        ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("below its filesystem's minimum");
        assertThatThrownBy(() -> ImageResize.run(
                        image,
                        new ResizeOptions(
                                Map.of(5, 600 * MIB), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false),
                        ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("the disk has");
        assertThatThrownBy(() -> ImageResize.run(
                        image,
                        new ResizeOptions(
                                Map.of(3, 8 * MIB), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false),
                        ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("no partition 3");

        Process holder = new ProcessBuilder("sh", "-c", "exec 3<\"$0\"; sleep 60", image.toString()).start();
        try {
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> ImageGuard.processesWithOpen(image).stream()
                            .anyMatch(user -> user.contains("pid " + holder.pid())));
            assertThatThrownBy(() -> ImageResize.run(image, freeRatio(0.3, false, true), ImageResize.Listener.NONE))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("in use")
                    .hasMessageContaining("pid " + holder.pid());
        } finally {
            holder.destroyForcibly();
            holder.waitFor(10, TimeUnit.SECONDS);
        }
        String device = Commands.run("losetup", "--find", "--show", "--read-only", image.toString())
                .strip();
        try {
            assertThatThrownBy(() -> ImageResize.run(image, freeRatio(0.3, false, true), ImageResize.Listener.NONE))
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("backs " + device);
        } finally {
            Commands.run("losetup", "-d", device);
        }
        assertThat(TestImages.sha256(image)).isEqualTo(before);
        assertThat(TestImages.leftovers(image)).isEmpty();
    }

    private static java.nio.ByteBuffer bootSector(Path image, long offset) throws java.io.IOException {
        try (var channel = java.nio.channels.FileChannel.open(image)) {
            java.nio.ByteBuffer boot = java.nio.ByteBuffer.allocate(512).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            channel.read(boot, offset);
            return boot;
        }
    }

    private static String line(String export, String key) {
        return export.lines().filter(l -> l.startsWith(key + "=")).findFirst().orElse("");
    }
}
