package io.ballast.worker.reclaim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.LoopDisk;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reclaim on a live filesystem (see {@link BallastedDisk}). */
class ReclaimerTest {

    private static final long MIB = BallastedDisk.MIB;

    @TempDir
    Path temp;

    private BallastedDisk ballasted;
    private LoopDisk disk;
    private Path mount;
    private final Reclaimer reclaimer = new Reclaimer();

    @BeforeEach
    void backedDiskWithBallast() {
        ballasted = new BallastedDisk(temp, 96 * MIB);
        disk = ballasted.disk();
        mount = ballasted.mount();
    }

    @AfterEach
    void detach() {
        if (ballasted != null) {
            ballasted.close();
        }
    }

    @Test
    void punchingTheBallastFreesItsSizeAndKeepsEverythingElse() throws Exception {
        List<ByteRange> ranges = ballastRanges();
        String keep = sha256(mount.resolve("keep"));
        long imageBefore = allocated(disk.image());

        ReclaimResult result = reclaimer.reclaim(disk.image(), ranges, Reclaimer.Progress.NONE);

        assertThat(result.rangesBytes()).isEqualTo(96 * MIB);
        assertThat(result.backedBeforeBytes()).isEqualTo(imageBefore);
        assertThat(result.backedAfterBytes()).isEqualTo(allocated(disk.image()));
        // What was backed under the ballast is given back, less the few blocks the image file's own extent tree
        // grows by as the holes split its extents; the filler had backed nearly all of the ballast's blocks.
        assertThat(result.backedInRangesBeforeBytes()).isBetween(90 * MIB, 96 * MIB);
        assertThat(result.freedBytes())
                .isBetween(result.backedInRangesBeforeBytes() - MIB, result.backedInRangesBeforeBytes());
        assertThat(Files.size(disk.image())).isEqualTo(384 * MIB);
        assertThat(reclaimer.measure(disk.image(), ranges).backedInRangesBeforeBytes())
                .as("tamper check right after")
                .isZero();

        Commands.run("sh", "-c", "echo 3 > /proc/sys/vm/drop_caches");
        assertThat(sha256(mount.resolve("keep"))).isEqualTo(keep);
        disk.unmount(mount);
        Commands.run("e2fsck", "-fn", disk.partition(2).toString());
    }

    @Test
    void aGuestWritingIntoItsBallastShowsUpAsBackedBytes() throws Exception {
        List<ByteRange> ranges = ballastRanges();
        reclaimer.reclaim(disk.image(), ranges, Reclaimer.Progress.NONE);

        Commands.run(
                "dd",
                "if=/dev/urandom",
                "of=" + mount.resolve(".ballast"),
                "bs=1M",
                "count=5",
                "conv=notrunc,fsync",
                "status=none");

        // Counted in whole 4 KiB blocks of the image file: a range edge inside one loses at most that block at each
        // end. ext4 writes zeros into up to extent_max_zeroout_kb (32 KiB) of neighbouring unwritten blocks instead
        // of splitting the extent: those become backed too.
        long edges = 2L * ranges.size() * 4096;
        assertThat(reclaimer.measure(disk.image(), ranges).backedInRangesBeforeBytes())
                .isBetween(5 * MIB - edges, 5 * MIB + 32 * 1024);
    }

    @Test
    void progressCountsUpToTheTotal() throws Exception {
        List<long[]> reports = new ArrayList<>();

        reclaimer.reclaim(disk.image(), ballastRanges(), (done, total) -> reports.add(new long[] {done, total}));

        assertThat(reports).isNotEmpty();
        assertThat(reports.getLast()).containsExactly(96 * MIB, 96 * MIB);
        for (int i = 1; i < reports.size(); i++) {
            assertThat(reports.get(i)[0]).isGreaterThan(reports.get(i - 1)[0]);
        }
    }

    @Test
    void rangesOnTheTableOutsidePartitionsOrOutsideTheImageChangeNothing() throws Exception {
        String image = sha256(disk.image());
        long allocated = allocated(disk.image());
        long p2 = disk.partitionStartBytes(2);
        ByteRange good = ballastRanges().getFirst();

        assertRefused(List.of(good, ByteRange.ofLength(512, 4096)), "overlaps the partition table at [0, 17408)");
        assertRefused(
                List.of(good, ByteRange.ofLength(384 * MIB - 8192, 4096)),
                "overlaps the partition table at [402636288, 402653184)");
        assertRefused(List.of(good, ByteRange.ofLength(17408, 4096)), "is not inside any partition");
        assertRefused(List.of(good, ByteRange.ofLength(p2 - 4096, 8192)), "is not inside any partition");
        assertRefused(List.of(good, ByteRange.ofLength(384 * MIB, 4096)), "ends past the disk's 402653184 bytes");
        assertRefused(List.of(good, ByteRange.ofLength(p2 + 100, 4096)), "is not aligned to 512-byte sectors");

        assertThat(sha256(disk.image())).isEqualTo(image);
        assertThat(allocated(disk.image())).isEqualTo(allocated);
    }

    private void assertRefused(List<ByteRange> ranges, String message) {
        assertThatThrownBy(() -> reclaimer.reclaim(disk.image(), ranges, Reclaimer.Progress.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining(message);
    }

    private List<ByteRange> ballastRanges() {
        return ballasted.ballastRanges();
    }

    private long allocated(Path image) throws IOException {
        assertThat(image).isEqualTo(ballasted.image());
        return ballasted.allocatedBytes();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
