package io.ballast.worker.resize;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.testsupport.Commands;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a whole resize (shrink of a 1 KiB and a 4 KiB ext4, moves, MBR/EBR rewrite, swap re-creation,
 * sparsify, truncate) at points spread over each of its steps, then the same resize run again: it continues from its journal,
 * and every time the layout is the one an uninterrupted resize makes, both filesystems are e2fsck-clean and every
 * file's SHA-256 is unchanged. Set {@code BALLAST_CRASH_POINTS} for a longer run (default 24).
 */
class ResizeCrashTest {

    @TempDir
    static Path temp;

    private static TestImages.Built original;
    private static Map<Integer, long[]> expectedLayout;
    private static long expectedSize;
    /** How long each step took in the uninterrupted run. */
    private static long[] stepNanos;

    private static final Map<String, Integer> stepsHit = new java.util.TreeMap<>();

    @BeforeAll
    static void referenceRun() throws Exception {
        TestImages.requireTools();
        original = TestImages.mbrWithLogicals(temp);
        Path reference = copy("reference.img");
        Child child = Child.start(reference);
        assertThat(child.finish()).as(child.output()).isZero();
        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < child.lines().size(); i++) {
            if (child.lines().get(i).startsWith("step ")) {
                starts.add(child.times().get(i));
            }
        }
        starts.add(child.times().getLast());
        stepNanos = new long[starts.size() - 1];
        for (int i = 0; i < stepNanos.length; i++) {
            stepNanos[i] = Math.max(starts.get(i + 1) - starts.get(i), 1);
        }
        expectedLayout = TestImages.sfdiskLayout(reference);
        expectedSize = Files.size(reference);
        check(reference);
    }

    @Test
    void killedAtAnyPointTheResizeContinuesAndLosesNothing() throws Exception {
        int points = Integer.parseInt(System.getenv().getOrDefault("BALLAST_CRASH_POINTS", "24"));
        int killed = 0;
        stepsHit.clear();
        int perStep = Math.ceilDiv(points, stepNanos.length);
        for (int point = 0; point < points; point++) {
            Path image = copy("crash-" + point + ".img");
            int step = point % stepNanos.length + 1;
            long delay = stepNanos[step - 1] * (2L * (point / stepNanos.length) + 1) / (2L * perStep);
            boolean finished = false;
            if (kill(image, "step " + step, delay)) {
                killed++;
            } else {
                finished = true;
            }
            if (!finished && point % 4 == 3) {
                // killed again while continuing
                if (kill(image, "step ", delay / 2)) {
                    killed++;
                } else {
                    finished = true;
                }
            }
            if (!finished) {
                ImageResize.run(image, ResizeProcess.OPTIONS, ImageResize.Listener.NONE);
            }
            check(image);
            Files.delete(image);
        }
        System.out.println("kills by the step they cut off: " + stepsHit);
        assertThat(killed).as("kills that landed before the resize finished").isGreaterThanOrEqualTo(20);
        assertThat(stepsHit.keySet())
                .as("the steps kills landed in: both filesystem shrinks, both moves and the punching at least")
                .contains("step 1", "step 2", "step 3", "step 4", "step 7");
    }

    /**
     * Runs the resize in a child and kills it {@code delayNanos} after it prints {@code line} (or, for
     * {@code "step "}, any step); whether it was cut off (false when it had finished: its journal was gone and the
     * image at its new size).
     */
    private static boolean kill(Path image, String line, long delayNanos) throws Exception {
        Child child = Child.start(image);
        if (!child.awaitLine(line)) {
            child.finish();
            return false;
        }
        TimeUnit.NANOSECONDS.sleep(delayNanos);
        child.process.destroyForcibly();
        int exit = child.finish();
        boolean done = child.output().contains("done")
                || (!Files.exists(ResizeJournal.of(image)) && Files.size(image) == expectedSize);
        assertThat(exit == 137 || done).as(child.output()).isTrue();
        if (!done) {
            String step = child.lines().stream()
                    .filter(printed -> printed.startsWith("step "))
                    .reduce((first, second) -> second)
                    .orElseThrow();
            stepsHit.merge(step, 1, Integer::sum);
        }
        return !done;
    }

    private static void check(Path image) {
        assertThat(TestImages.sfdiskLayout(image)).usingRecursiveComparison().isEqualTo(expectedLayout);
        for (int number : new int[] {1, 5}) {
            long start = expectedLayout.get(number)[0] * 512;
            TestImages.assertExtClean(image, start);
            assertThat(TestImages.files(image, start, expectedLayout.get(number)[1] * 512))
                    .as("files of partition %d", number)
                    .isEqualTo(original.files().get(number));
        }
        assertThat(Commands.run(
                                "blkid",
                                "-p",
                                "-o",
                                "value",
                                "-s",
                                "LABEL",
                                "--offset",
                                Long.toString(expectedLayout.get(6)[0] * 512),
                                image.toString())
                        .strip())
                .isEqualTo("ballast-swap");
        try {
            assertThat(Files.size(image)).isEqualTo(expectedSize);
            assertThat(TestImages.leftovers(image)).isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path copy(String name) {
        Path target = temp.resolve(name);
        Commands.run("cp", "--sparse=always", original.image().toString(), target.toString());
        return target;
    }

    private record Child(Process process, BufferedReader out, List<String> lines, List<Long> times) {

        static Child start(Path image) throws Exception {
            Process process = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "--enable-native-access=ALL-UNNAMED",
                            "-cp",
                            System.getProperty("java.class.path"),
                            ResizeProcess.class.getName(),
                            image.toString())
                    .redirectErrorStream(true)
                    .start();
            return new Child(
                    process,
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
                    new ArrayList<>(),
                    new ArrayList<>());
        }

        /** Reads up to the line {@code wanted} ({@code "step "}: any step); false if the output ends first. */
        boolean awaitLine(String wanted) throws Exception {
            String line;
            while ((line = out.readLine()) != null) {
                add(line);
                if (wanted.equals("step ") ? line.startsWith(wanted) : line.equals(wanted)) {
                    return true;
                }
            }
            return false;
        }

        private void add(String line) {
            lines.add(line);
            times.add(System.nanoTime());
        }

        int finish() throws Exception {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    add(line);
                }
            } catch (java.io.IOException closed) {
                // a killed child's output is closed with it
            }
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            return process.exitValue();
        }

        String output() {
            return String.join("\n", lines);
        }
    }
}
