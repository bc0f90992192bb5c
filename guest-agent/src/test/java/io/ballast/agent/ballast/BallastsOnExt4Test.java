package io.ballast.agent.ballast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.Filefrag;
import io.ballast.testsupport.LoopDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ballast on a real ext4 filesystem on the second partition of a loop-attached, GPT-partitioned image. */
class BallastsOnExt4Test {

    private static final long MIB = 1 << 20;

    @TempDir
    Path temp;

    private LoopDisk disk;
    private Path mount;
    private final Ballasts ballasts = Ballasts.ofThisSystem();

    @BeforeEach
    void disk() {
        disk = LoopDisk.create(temp, 1024 * MIB, "label: gpt\nstart=2048, size=131072\nstart=133120\n");
        mount = disk.mountExt4(2, temp);
    }

    @AfterEach
    void detach() {
        disk.close();
    }

    @Test
    void extentsAreWhatFilefragAndThePartitionStartSay() throws Exception {
        BallastReport report = ballasts.set(mount, 64 * MIB);

        assertThat(report.sizeBytes()).isEqualTo(64 * MIB);
        assertThat(report.allocatedBytes()).isGreaterThanOrEqualTo(64 * MIB);
        assertThat(report.disk().orElseThrow().diskId()).isEqualTo(disk.image().toString());
        assertThat(report.device()).isEqualTo(disk.partition(2).getFileName().toString());
        assertThat(report.disk().orElseThrow().partitionStartBytes())
                .isEqualTo(disk.partitionStartBytes(2))
                .isEqualTo(133120L * 512);
        assertThat(report.extents())
                .isEqualTo(new ExtentMap.Mapped(filefrag(report.path(), disk.partitionStartBytes(2))));
        assertThat(((ExtentMap.Mapped) report.extents()).totalBytes()).isEqualTo(64 * MIB);
        assertThat(allUnwritten(report.path())).as("allocated, never written").isTrue();
        assertThat(Files.getPosixFilePermissions(report.path()))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(Files.getOwner(report.path()).getName()).isEqualTo("root");
        assertThat(report.filesystem().ballastBytes()).isEqualTo(report.allocatedBytes());
        assertThat(report.filesystem().type()).isEqualTo("ext4");
    }

    @Test
    void deflateCutsAndReinflateAllocatesAgain() throws Exception {
        ballasts.set(mount, 128 * MIB);
        long freeWithBallast = ballasts.show(mount).filesystem().freeBytes();

        BallastReport deflated = ballasts.set(mount, 16 * MIB);
        assertThat(deflated.sizeBytes()).isEqualTo(16 * MIB);
        assertThat(deflated.allocatedBytes()).isBetween(16 * MIB, 17 * MIB);
        assertThat(deflated.filesystem().freeBytes()).isGreaterThanOrEqualTo(freeWithBallast + 111 * MIB);
        assertThat(deflated.extents())
                .isEqualTo(new ExtentMap.Mapped(filefrag(deflated.path(), disk.partitionStartBytes(2))));

        BallastReport reinflated = ballasts.set(mount, 96 * MIB);
        assertThat(reinflated.sizeBytes()).isEqualTo(96 * MIB);
        assertThat(((ExtentMap.Mapped) reinflated.extents()).totalBytes()).isEqualTo(96 * MIB);
        assertThat(ballasts.set(mount, 96 * MIB).extents())
                .as("same size again changes nothing")
                .isEqualTo(reinflated.extents());
    }

    @Test
    void anInflateWithoutRoomKeepsThePreviousSizeAndSaysWhatWasFree() throws Exception {
        ballasts.set(mount, 32 * MIB);

        assertThatThrownBy(() -> ballasts.set(mount, 2048 * MIB))
                .isInstanceOfSatisfying(BallastException.NoSpace.class, noSpace -> {
                    assertThat(noSpace.requestedBytes()).isEqualTo(2048 * MIB);
                    assertThat(noSpace.actualBytes()).isEqualTo(32 * MIB);
                    assertThat(noSpace.freeBytesSeen()).isBetween(800 * MIB, 960 * MIB);
                });

        BallastReport after = ballasts.show(mount);
        assertThat(after.sizeBytes()).isEqualTo(32 * MIB);
        assertThat(after.allocatedBytes()).isBetween(32 * MIB, 33 * MIB);
    }

    @Test
    void showWithoutABallastChangesNothing() throws Exception {
        BallastReport report = ballasts.show(mount);

        assertThat(report.exists()).isFalse();
        assertThat(report.sizeBytes()).isZero();
        assertThat(report.extents()).isEqualTo(new ExtentMap.Mapped(List.of()));
        assertThat(mount.resolve(Ballasts.FILE_NAME)).doesNotExist();
    }

    @Test
    void aSymlinkOrDirectoryInThePlaceOfTheBallastIsRefused() throws Exception {
        Path target = Files.writeString(mount.resolve("precious"), "do not truncate");
        Files.createSymbolicLink(mount.resolve(Ballasts.FILE_NAME), target);

        assertThatThrownBy(() -> ballasts.set(mount, MIB))
                .isInstanceOf(BallastException.Refused.class)
                .hasMessage(mount.resolve(Ballasts.FILE_NAME) + " is a symbolic link; the ballast must be a file");
        assertThat(Files.readString(target)).isEqualTo("do not truncate");

        Files.delete(mount.resolve(Ballasts.FILE_NAME));
        Files.createDirectory(mount.resolve(Ballasts.FILE_NAME));
        assertThatThrownBy(() -> ballasts.set(mount, MIB))
                .isInstanceOf(BallastException.Refused.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void aDirectoryThatIsNotAMountPointIsRefused() throws Exception {
        Path inside = Files.createDirectory(mount.resolve("inside"));

        assertThatThrownBy(() -> ballasts.set(inside, MIB))
                .isInstanceOf(BallastException.Refused.class)
                .hasMessage(inside + " is not a mount point (it is inside the filesystem mounted at " + mount + ")");
        assertThat(inside.resolve(Ballasts.FILE_NAME)).doesNotExist();
    }

    @Test
    void aReadOnlyFilesystemIsRefused() throws Exception {
        Commands.run("mount", "-o", "remount,ro", mount.toString());

        assertThatThrownBy(() -> ballasts.set(mount, MIB))
                .isInstanceOf(BallastException.Refused.class)
                .hasMessage(mount + " is mounted read-only");
    }

    @Test
    void discardGivesTheBallastsBlocksBackThroughTheBlockDevice() throws Exception {
        // Back every free block of the image first, so the ballast lands on backed blocks.
        LoopDisk.backFreeBlocks(mount);
        ballasts.set(mount, 128 * MIB);
        Commands.run("sync");
        long before = allocated(disk.image());

        long discarded = ballasts.discard(mount, Path.of("/dev"));

        assertThat(discarded).isEqualTo(128 * MIB);
        assertThat(before - allocated(disk.image())).isBetween(100 * MIB, 128 * MIB);
        assertThat(ballasts.show(mount).sizeBytes())
                .as("the ballast still bounds the guest")
                .isEqualTo(128 * MIB);
        disk.unmount(mount);
        Commands.run("e2fsck", "-fn", disk.partition(2).toString());
    }

    @Test
    void discardWithoutABallastIsRefused() {
        assertThatThrownBy(() -> ballasts.discard(mount, Path.of("/dev")))
                .isInstanceOf(BallastException.Refused.class)
                .hasMessage("there is no ballast at " + mount.resolve(Ballasts.FILE_NAME) + " to discard");
    }

    private static long allocated(Path file) {
        return Long.parseLong(Commands.run("stat", "-c", "%b", file.toString()).strip()) * 512;
    }

    /** The file's blocks as filefrag sees them, as the agent's extents. */
    private static List<Extent> filefrag(Path file, long partitionStartBytes) {
        return Filefrag.diskRanges(file, partitionStartBytes).stream()
                .map(range -> new Extent(range.offsetBytes(), range.lengthBytes()))
                .toList();
    }

    private static boolean allUnwritten(Path file) {
        var ranges = Filefrag.diskRanges(file, 0);
        return !ranges.isEmpty()
                && ranges.stream().allMatch(range -> range.flags().contains("unwritten"));
    }
}
