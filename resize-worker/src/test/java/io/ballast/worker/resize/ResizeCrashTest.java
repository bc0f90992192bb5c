package io.ballast.worker.resize;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.launch.Commands;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a whole resize (shrink of a 1 KiB and a 4 KiB ext4, moves, MBR/EBR rewrite, swap re-creation,
 * sparsify, truncate) at points spread over each of its steps, then the same resize run again: it continues from its
 * journal, and every time the layout is the one an uninterrupted resize makes, both filesystems are e2fsck-clean and
 * every file's SHA-256 is unchanged. Set {@code BALLAST_CRASH_POINTS} for a longer run (default 24).
 */
class ResizeCrashTest {

    @TempDir
    Path temp;

    @Test
    void killedAtAnyPointTheResizeContinuesAndLosesNothing() throws Exception {
        TestImages.requireTools();
        TestImages.Built original = TestImages.mbrWithLogicals(temp);
        KillPoints points = KillPoints.reference(original.image(), temp, (image, layout) -> {
            TestImages.assertExtKept(original, image, layout, 1, 5);
            assertThat(Commands.run(
                                    "blkid",
                                    "-p",
                                    "-o",
                                    "value",
                                    "-s",
                                    "LABEL",
                                    "--offset",
                                    Long.toString(layout.get(6)[0] * 512),
                                    image.toString())
                            .strip())
                    .isEqualTo("ballast-swap");
        });

        KillPoints.Outcome outcome =
                points.run(Integer.parseInt(System.getenv().getOrDefault("BALLAST_CRASH_POINTS", "24")));

        assertThat(outcome.killed())
                .as("kills that landed before the resize finished")
                .isGreaterThanOrEqualTo(20);
        assertThat(outcome.stepsHit().keySet())
                .as("the steps kills landed in: both filesystem shrinks, both moves and the punching at least")
                .contains("step 1", "step 2", "step 3", "step 4", "step 7");
    }
}
