package io.ballast.worker.resize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a resize that shrinks, moves and re-aligns an NTFS (ntfsresize relocates its files, and keeps no undo
 * record of its own: the resize copies the partition first), at points spread over each step, then the same resize
 * run again: the NTFS always ends with the uninterrupted layout, {@code ntfsresize --info} reads it, and every file
 * read back through ntfs-3g has its SHA-256.
 */
class NtfsCrashTest {

    @TempDir
    Path temp;

    @Test
    void killedAnywhereAnNtfsResizeContinuesAndLosesNothing() throws Exception {
        TestImages.requireTools();
        TestImages.Built original = TestImages.ntfs(temp);
        KillPoints points = KillPoints.reference(original.image(), temp, (image, layout) -> {
            long start = layout.get(1)[0] * 512;
            long size = layout.get(1)[1] * 512;
            assertThat(size).isLessThan(256L << 20);
            assertThat(TestImages.ntfsFiles(image, start, size))
                    .isEqualTo(original.files().get(1));
            assertThat(TestImages.ntfsCheck(image, start, size))
                    .as("both boot sectors, the backup in the partition's last sector")
                    .contains("Checking the alternate boot sector... OK")
                    .doesNotContain("BAD");
        });

        KillPoints.Outcome outcome =
                points.run(Integer.parseInt(System.getenv().getOrDefault("BALLAST_CRASH_POINTS", "12")));

        assertThat(outcome.killed()).isGreaterThanOrEqualTo(8);
        assertThat(outcome.stepsHit()).containsKey("step 1");
    }
}
