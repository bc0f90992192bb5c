package io.ballast.worker.resize;

import static io.ballast.worker.resize.TestImages.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.SystemPrerequisites;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.Partition;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.reclaim.Reclaimer;
import io.ballast.worker.scan.ImageScan;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Images built by other tools that an earlier Ballast got wrong, each on a real image: every one must end refused
 * with the image unchanged, or resized with what must stay kept byte for byte.
 */
class ImageRegressionTest {

    private static final ResizeOptions SHRINK_AND_TRUNCATE =
            new ResizeOptions(Map.of(), OptionalDouble.of(0.3), Alignment.MIB_1, Set.of(), false, true);

    @TempDir
    Path temp;

    @BeforeEach
    void tools() {
        TestImages.requireTools();
    }

    @Test
    void aSunLabelIsNotTakenForNoTableAndItsSlicesStay() throws Exception {
        // ext2 in slice 1 from sector 0 (the label shares its first sector), data in slice 2
        Path image = temp.resolve("sun.img");
        Commands.run("truncate", "-s", "60M", image.toString());
        onRange(image, 0, 80325L * 512, device -> Commands.run("mkfs.ext2", "-q", device));
        onRange(
                image,
                80325L * 512,
                32130L * 512,
                device -> Commands.run("dd", "if=/dev/urandom", "of=" + device, "bs=1M", "count=8", "status=none"));
        Commands.runWithInput(
                "label: sun\nstart=0, size=80325, type=83\nstart=80325, size=32130, type=83\n",
                "sfdisk",
                "--quiet",
                image.toString());

        assertRefusedUnchanged(image, "'sun' partition table");
    }

    @Test
    void anSgiLabelIsRefusedNamingIt() throws Exception {
        Path image = temp.resolve("sgi.img");
        Commands.run("truncate", "-s", "64M", image.toString());
        Commands.runWithInput("label: sgi\nstart=4096, size=40960, type=83\n", "sfdisk", "--quiet", image.toString());

        assertRefusedUnchanged(image, "'sgi' partition table");
    }

    @Test
    void aWholeDiskBsdLabelIsRefusedByItsOwnSignature() throws Exception {
        // fdisk writes a BSD disklabel nested in an MBR partition; the same sectors at the start of a disk are a
        // whole-disk label, which libblkid only reports when asked for partition details
        Path nested = temp.resolve("nested.img");
        Commands.run("truncate", "-s", "64M", nested.toString());
        Commands.runWithInput("label: dos\nstart=2048, type=a5\n", "sfdisk", "--quiet", nested.toString());
        Commands.runWithInput("b\ny\nw\n", "fdisk", nested.toString());
        Path image = temp.resolve("bsd.img");
        Commands.run("truncate", "-s", "64M", image.toString());
        Commands.run(
                "dd", "if=" + nested, "of=" + image, "bs=512", "skip=2048", "count=16", "conv=notrunc", "status=none");

        assertRefusedUnchanged(image, "BSD disklabel");
    }

    @Test
    void anAtariLabelIsRefusedNamingIt() throws Exception {
        // an AHDI root sector: the disk's size in sectors, then two entries (flag, id, start, size, big-endian)
        Path image = temp.resolve("atari.img");
        Commands.run("truncate", "-s", "64M", image.toString());
        ByteBuffer root = ByteBuffer.allocate(512).order(ByteOrder.BIG_ENDIAN);
        root.putInt(0x1C2, 131072);
        root.position(0x1C6);
        root.put((byte) 1)
                .put("GEM".getBytes(StandardCharsets.US_ASCII))
                .putInt(2)
                .putInt(20000);
        root.put((byte) 1)
                .put("BGM".getBytes(StandardCharsets.US_ASCII))
                .putInt(20002)
                .putInt(40000);
        write(image, 0, root.array());

        assertRefusedUnchanged(image, "'atari' partition table");
    }

    @Test
    void aDasdLabelIsRefusedByItsOwnSignatureWhereLibblkidSeesNoTable() throws Exception {
        // the volume label in block 2: "VOL1" (EBCDIC) at byte 4 of it on a compatible-layout disk of 4 KiB blocks,
        // "LNX1" at byte 0 of it on a Linux-layout disk of 512-byte blocks
        Path compatible = temp.resolve("dasd-cdl.img");
        Commands.run("truncate", "-s", "64M", compatible.toString());
        write(compatible, 2 * 4096 + 4, new byte[] {(byte) 0xE5, (byte) 0xD6, (byte) 0xD3, (byte) 0xF1});
        Path linux = temp.resolve("dasd-ldl.img");
        Commands.run("truncate", "-s", "64M", linux.toString());
        write(linux, 2 * 512, new byte[] {(byte) 0xD3, (byte) 0xD5, (byte) 0xE7, (byte) 0xF1});

        assertRefusedUnchanged(compatible, "DASD disklabel");
        assertRefusedUnchanged(linux, "DASD disklabel");
    }

    @Test
    void anUltrixLabelIsRefusedNamingIt() throws Exception {
        // magic 0x032957 (little-endian) and "valid" 1 at the end of sector 31
        Path image = temp.resolve("ultrix.img");
        Commands.run("truncate", "-s", "64M", image.toString());
        write(image, 31 * 512 + 440, new byte[] {0x57, 0x29, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00});

        assertRefusedUnchanged(image, "'ultrix' partition table");
    }

    @Test
    void aBsdLabelNestedInAnMbrPartitionKeepsThatPartitionInPlace() throws Exception {
        // partition 2 (FreeBSD, a5) holds a BSD disklabel whose slices name absolute sectors: moving it would point
        // them at other data. Partition 1 shrinks and re-aligns; partition 2 stays where it is, byte for byte.
        Path image = temp.resolve("dos-bsd.img");
        Commands.run("truncate", "-s", "256M", image.toString());
        long bsdStart = 63 + 204800;
        Commands.runWithInput(
                "label: dos\nstart=63, size=204800, type=83\nstart=" + bsdStart + ", size=65536, type=a5\n",
                "sfdisk",
                "--quiet",
                image.toString());
        onRange(image, 63 * 512, 204800L * 512, device -> Commands.run("mkfs.ext4", "-q", "-F", device));
        // fdisk picks the one a5 partition and writes a disklabel into its second sector
        Commands.runWithInput("b\ny\nw\n", "fdisk", image.toString());
        assertThat(sha256(image, (bsdStart + 1) * 512, 4))
                .isEqualTo(sha256Of(new byte[] {0x57, 0x45, 0x56, (byte) 0x82}));
        String bsdBefore = sha256(image, bsdStart * 512, 65536L * 512);

        ResizePlan plan = ImageResize.run(
                        image,
                        new ResizeOptions(
                                Map.of(1, 50 * MIB), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, true),
                        ImageResize.Listener.NONE)
                .plan();

        assertThat(plan.layout().get(1).to()).isEqualTo(plan.layout().get(1).from());
        Map<Integer, long[]> layout = TestImages.sfdiskLayout(image);
        assertThat(layout.get(1)).containsExactly(2048, 50 * MIB / 512);
        assertThat(layout.get(2)).containsExactly(bsdStart, 65536);
        assertThat(sha256(image, bsdStart * 512, 65536L * 512))
                .as("the FreeBSD partition with its disklabel")
                .isEqualTo(bsdBefore);
        TestImages.assertExtClean(image, 2048 * 512);
    }

    @Test
    void aGptWhoseProtectiveMbrIsGoneIsRefusedUntilRepaired() throws Exception {
        Path image = TestImages.gpt(temp).image();
        Commands.run("dd", "if=/dev/zero", "of=" + image, "bs=512", "count=1", "conv=notrunc", "status=none");

        assertRefusedUnchanged(image, "libblkid sees no partition table where Ballast reads an GPT table");
    }

    @Test
    void sparsifyKeepsTheGapAfterTheMbrWhereGrubLives() throws Exception {
        Path image = temp.resolve("grub.img");
        Commands.run("truncate", "-s", "600M", image.toString());
        Commands.runWithInput("label: dos\nstart=2048, size=300MiB, type=83\n", "sfdisk", "--quiet", image.toString());
        // core.img's place: sectors 1 to 100
        Commands.run(
                "dd", "if=/dev/urandom", "of=" + image, "bs=512", "seek=1", "count=100", "conv=notrunc", "status=none");
        onRange(image, MIB, 300 * MIB, device -> Commands.run("mkfs.ext4", "-q", "-F", device));
        String gapBefore = sha256(image, 512, MIB - 512);

        Sparsifier.punch(image, Files.size(image), (done, total) -> {});

        assertThat(sha256(image, 512, MIB - 512)).as("the gap after the MBR").isEqualTo(gapBefore);
        ImageResize.run(
                image,
                new ResizeOptions(Map.of(), OptionalDouble.of(0.5), Alignment.MIB_1, Set.of(), true, true),
                ImageResize.Listener.NONE);
        assertThat(sha256(image, 512, MIB - 512))
                .as("the gap after the MBR, after a resize with --sparsify")
                .isEqualTo(gapBefore);
    }

    @Test
    void aBiosBootPartitionKeepsItsPlaceAndBytesUnderAnyAlignment() throws Exception {
        for (Alignment alignment : Alignment.values()) {
            Path image;
            try (LoopDisk disk = LoopDisk.create(temp, 256 * MIB, """
                    label: gpt
                    first-lba: 34
                    start=34, size=2014, type=21686148-6449-6E6F-744E-656564454649
                    start=2048, size=409600
                    """)) {
                Commands.run("dd", "if=/dev/urandom", "of=" + disk.partition(1), "bs=512", "count=2014", "status=none");
                Commands.run("mkfs.ext4", "-q", "-F", disk.partition(2).toString());
                image = disk.keep();
            }
            String bootBefore = sha256(image, 34 * 512, 2014 * 512);

            ResizePlan plan = ImageResize.run(
                            image,
                            new ResizeOptions(
                                    Map.of(2, 100 * MIB), OptionalDouble.empty(), alignment, Set.of(), false, true),
                            ImageResize.Listener.NONE)
                    .plan();

            assertThat(plan.layout().getFirst().to())
                    .as("aligned %s", alignment)
                    .isEqualTo(plan.layout().getFirst().from());
            assertThat(sha256(image, 34 * 512, 2014 * 512))
                    .as("the BIOS boot partition's bytes, aligned %s", alignment)
                    .isEqualTo(bootBefore);
            Map<Integer, long[]> layout = TestImages.sfdiskLayout(image);
            assertThat(layout.get(1)).as("aligned %s", alignment).containsExactly(34, 2014);
            assertThat(layout.get(2)[0]).as("aligned %s", alignment).isGreaterThanOrEqualTo(2048);
            assertThat(Commands.run("sgdisk", "-v", image.toString())).contains("No problems found");
            TestImages.assertExtClean(image, layout.get(2)[0] * 512);
            assertThat(DiskLayout.read(image).table().partitions().getFirst())
                    .extracting(Partition::placeIsFixed)
                    .isEqualTo(true);
            Files.delete(image);
        }
    }

    @Test
    void aMovedNtfsVolumeShorterThanItsPartitionGetsEveryBackupBootSector() throws Exception {
        // mkntfs given fewer sectors than the partition has puts the backup right after the volume, while ntfsfix
        // looks in the partition's last sector (and calls such a fresh volume's backup BAD): after a move, both
        // places hold the new boot sector
        SystemPrerequisites.require("mkntfs", "ntfsfix");
        long volumeSectors = 200_000;
        Path image;
        try (LoopDisk disk = LoopDisk.create(temp, 160 * MIB, """
                label: dos
                start=63, size=262144, type=7
                """)) {
            Commands.run(
                    "mkntfs", "-Q", "-F", "-L", "short", disk.partition(1).toString(), Long.toString(volumeSectors));
            image = disk.keep();
        }

        ImageResize.run(
                image,
                new ResizeOptions(Map.of(), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false),
                ImageResize.Listener.NONE);

        assertThat(TestImages.sfdiskLayout(image).get(1)).containsExactly(2048, 262144);
        String primary = sha256(image, MIB, 512);
        // mkntfs counts the backup's sector in the size it is given: the volume is one sector shorter
        assertThat(sha256(image, MIB + (volumeSectors - 1) * 512, 512))
                .as("the backup right after the volume")
                .isEqualTo(primary);
        assertThat(sha256(image, MIB + 262143L * 512, 512))
                .as("the backup in the partition's last sector")
                .isEqualTo(primary);
        assertThat(TestImages.ntfsCheck(image, MIB, 262144L * 512))
                .contains("Checking the alternate boot sector... OK")
                .doesNotContain("BAD");
    }

    @Test
    void aGptWith256EntriesIsPlannedFromItsOwnHeader() throws Exception {
        Path image;
        try (LoopDisk disk = LoopDisk.create(temp, 256 * MIB, """
                label: gpt
                table-length: 256
                first-lba: 66
                start=66, size=164478
                """)) {
            Commands.run("mkfs.ext4", "-q", "-F", disk.partition(1).toString());
            image = disk.keep();
        }

        ResizePlan plan = ImageResize.run(
                        image,
                        new ResizeOptions(
                                Map.of(1, 64 * MIB), OptionalDouble.empty(), Alignment.NONE, Set.of(), false, true),
                        ImageResize.Listener.NONE)
                .plan();

        assertThat(plan.layout().getFirst().to()).isEqualTo(ByteRange.ofLength(66 * 512, 64 * MIB));
        assertThat(Files.size(image)).isEqualTo(plan.finalDiskBytes());
        assertThat(Commands.run("sgdisk", "-v", image.toString())).contains("No problems found");
        assertThat(Commands.run("sfdisk", "--dump", image.toString())).contains("table-length: 256");
        TestImages.assertExtClean(image, 66 * 512);
    }

    @Test
    void aFilesystemLargerThanItsPartitionIsRefusedEvenWhenThePartitionOnlyMoves() throws Exception {
        // ext2 of 4 MiB in a partition at sector 63 whose table entry says 3 MiB: aligning it would move 3 MiB and
        // leave the filesystem's last MiB behind
        Path image = temp.resolve("short-partition.img");
        Commands.run("truncate", "-s", "16M", image.toString());
        Commands.runWithInput("start=63, size=6144, type=83\n", "sfdisk", "--quiet", image.toString());
        Commands.run("mkfs.ext2", "-q", "-F", "-E", "offset=" + 63 * 512, image.toString(), "4096k");
        ResizeOptions alignOnly =
                new ResizeOptions(Map.of(), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false);
        String before = TestImages.sha256(image);
        assertThatThrownBy(() -> ImageResize.run(image, alignOnly, ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("partition 1: its ext2/3/4 filesystem is 4194304 bytes, larger than the"
                        + " partition's 3145728");
        assertThatThrownBy(() -> ImageResize.preview(image, alignOnly)).isInstanceOf(ImageException.Refused.class);
        assertThat(TestImages.sha256(image)).isEqualTo(before);
        assertThat(TestImages.leftovers(image)).isEmpty();

        // an XFS superblock (the filesystem itself is not needed to read its size) claiming 1 GiB in the same 3 MiB
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            byte[] superblock = new byte[8192];
            java.nio.ByteBuffer.wrap(superblock)
                    .put("XFSB".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .putInt(4096)
                    .putLong(262_144);
            file.seek(63 * 512);
            file.write(superblock);
        }
        assertThatThrownBy(() -> ImageResize.run(image, alignOnly, ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("its xfs filesystem is 1073741824 bytes");
    }

    /** A resize, a dry run, a scan, a sparsify and a reclaim of {@code image} are all refused; not a byte changed. */
    private static void assertRefusedUnchanged(Path image, String naming) throws Exception {
        String before = TestImages.sha256(image);
        assertThatThrownBy(() -> ImageResize.run(image, SHRINK_AND_TRUNCATE, ImageResize.Listener.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining(naming);
        assertThatThrownBy(() -> ImageResize.preview(image, SHRINK_AND_TRUNCATE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining(naming);
        assertThatThrownBy(() -> ImageScan.scan(image)).isInstanceOf(ImageException.Refused.class);
        assertThatThrownBy(() -> Sparsifier.punch(image, Files.size(image), (done, total) -> {}))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining(naming);
        assertThatThrownBy(() -> new Reclaimer().reclaim(image, List.of(ByteRange.ofLength(MIB, MIB)), (d, t) -> {}))
                .isInstanceOf(ImageException.Refused.class);
        assertThat(TestImages.sha256(image)).isEqualTo(before);
        assertThat(TestImages.leftovers(image)).isEmpty();
    }

    @FunctionalInterface
    private interface OnDevice {
        void run(String device) throws Exception;
    }

    /** Runs {@code work} on a loop device over {@code [offset, offset + length)} of {@code image}. */
    private static void onRange(Path image, long offset, long length, OnDevice work) throws Exception {
        String device = TestImages.loop(image, offset, length, false);
        try {
            work.run(device);
        } finally {
            Commands.run("losetup", "-d", device);
        }
    }

    /** Writes {@code bytes} at {@code offset} of {@code image}, as a tool writing a label would. */
    private static void write(Path image, long offset, byte[] bytes) throws Exception {
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.seek(offset);
            file.write(bytes);
        }
    }

    private static String sha256(Path image, long offset, long length) throws Exception {
        byte[] bytes = new byte[(int) length];
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
            file.seek(offset);
            file.readFully(bytes);
        }
        return sha256Of(bytes);
    }

    private static String sha256Of(byte[] bytes) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
