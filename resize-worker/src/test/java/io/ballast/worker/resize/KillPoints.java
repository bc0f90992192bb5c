package io.ballast.worker.resize;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.launch.Commands;
import io.ballast.local.launch.Launcher;
import io.ballast.worker.resize.journal.ResizeJournal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * kill -9 of a resize ({@link ResizeProcess}, in a JVM of its own) at points spread over each of its steps, on
 * fresh copies of one image; after each kill the same resize is run again to its end and the image checked against
 * what an uninterrupted run made. A quarter of the points kill the continuing run once more.
 */
final class KillPoints {

    /** What an image must satisfy after a resize, given the layout an uninterrupted one made. */
    interface Check {
        void image(Path image, Map<Integer, long[]> expectedLayout) throws Exception;
    }

    /** Kills that landed before the resize finished, by the step they cut off ({@code step N}). */
    record Outcome(int killed, Map<String, Integer> stepsHit) {}

    private final Path original;
    private final Path directory;
    private final Check check;
    private final long[] stepNanos;
    private final Map<Integer, long[]> expectedLayout;
    private final long expectedSize;

    private KillPoints(
            Path original,
            Path directory,
            Check check,
            long[] stepNanos,
            Map<Integer, long[]> expectedLayout,
            long expectedSize) {
        this.original = original;
        this.directory = directory;
        this.check = check;
        this.stepNanos = stepNanos;
        this.expectedLayout = expectedLayout;
        this.expectedSize = expectedSize;
    }

    /** Resizes a copy of {@code original} without interruption, checks it, and times each of its steps. */
    static KillPoints reference(Path original, Path directory, Check check) throws Exception {
        Path reference = copy(original, directory.resolve("reference.img"));
        Child child = Child.start(reference);
        assertThat(child.finish()).as(child.output()).isZero();
        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < child.lines.size(); i++) {
            if (child.lines.get(i).startsWith("step ")) {
                starts.add(child.times.get(i));
            }
        }
        starts.add(child.times.getLast());
        long[] stepNanos = new long[starts.size() - 1];
        for (int i = 0; i < stepNanos.length; i++) {
            stepNanos[i] = Math.max(starts.get(i + 1) - starts.get(i), 1);
        }
        Map<Integer, long[]> layout = TestImages.sfdiskLayout(reference);
        check.image(reference, layout);
        return new KillPoints(original, directory, check, stepNanos, layout, Files.size(reference));
    }

    /** {@code points} kill points, round robin over the steps, each at another fraction of its step. */
    Outcome run(int points) throws Exception {
        int killed = 0;
        Map<String, Integer> stepsHit = new TreeMap<>();
        int perStep = Math.ceilDiv(points, stepNanos.length);
        for (int point = 0; point < points; point++) {
            Path image = copy(original, directory.resolve("crash-" + point + ".img"));
            int step = point % stepNanos.length + 1;
            long delay = stepNanos[step - 1] * (2L * (point / stepNanos.length) + 1) / (2L * perStep);
            boolean finished = !kill(image, "step " + step, delay, stepsHit);
            if (!finished) {
                killed++;
                if (point % 4 == 3) {
                    // killed again while continuing
                    finished = !kill(image, "step ", delay / 2, stepsHit);
                    killed += finished ? 0 : 1;
                }
            }
            if (!finished) {
                ImageResize.run(image, ResizeProcess.OPTIONS, ImageResize.Listener.NONE);
            }
            check.image(image, expectedLayout);
            assertThat(Files.size(image)).isEqualTo(expectedSize);
            assertThat(TestImages.leftovers(image)).isEmpty();
            Files.delete(image);
        }
        System.out.println("kills by the step they cut off: " + stepsHit);
        return new Outcome(killed, stepsHit);
    }

    /**
     * Runs the resize in a child and kills it {@code delayNanos} after it prints {@code line} (or, for
     * {@code "step "}, any step); whether it was cut off (false when it had finished: its journal was gone and the
     * image at its new size).
     */
    private boolean kill(Path image, String line, long delayNanos, Map<String, Integer> stepsHit) throws Exception {
        Child child = Child.start(image);
        if (!child.awaitLine(line)) {
            child.finish();
            return false;
        }
        TimeUnit.NANOSECONDS.sleep(delayNanos);
        // The crash is the resize's JVM with the tools it runs (resize2fs, dumpe2fs), as when its host or container
        // goes down: a tool left running keeps the image open, and the continuing run rightly refuses an image in use.
        List<ProcessHandle> tools = child.process.descendants().toList();
        child.process.destroyForcibly();
        for (ProcessHandle tool : tools) {
            tool.destroyForcibly();
            tool.onExit().get(30, TimeUnit.SECONDS);
        }
        int exit = child.finish();
        boolean done = child.output().contains("done")
                || (!Files.exists(ResizeJournal.of(image)) && Files.size(image) == expectedSize);
        assertThat(exit == 137 || done).as(child.output()).isTrue();
        if (!done) {
            String step = child.lines.stream()
                    .filter(printed -> printed.startsWith("step "))
                    .reduce((first, second) -> second)
                    .orElseThrow();
            stepsHit.merge(step, 1, Integer::sum);
        }
        return !done;
    }

    private static Path copy(Path from, Path to) {
        Commands.run("cp", "--sparse=always", from.toString(), to.toString());
        return to;
    }

    /** The child JVM and what it printed, with the time each line arrived. */
    private static final class Child {
        private final Process process;
        private final BufferedReader out;
        private final List<String> lines = new ArrayList<>();
        private final List<Long> times = new ArrayList<>();

        private Child(Process process) {
            this.process = process;
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        static Child start(Path image) throws IOException {
            return new Child(new ProcessBuilder(Launcher.javaCommand(List.of(), ResizeProcess.class, image.toString()))
                    .redirectErrorStream(true)
                    .start());
        }

        /** Reads up to the line {@code wanted} ({@code "step "}: any step); false if the output ends first. */
        boolean awaitLine(String wanted) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                add(line);
                if (wanted.equals("step ") ? line.startsWith(wanted) : line.equals(wanted)) {
                    return true;
                }
            }
            return false;
        }

        int finish() throws InterruptedException {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    add(line);
                }
            } catch (IOException closed) {
                // a killed child's output is closed with it
            }
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            return process.exitValue();
        }

        private void add(String line) {
            lines.add(line);
            times.add(System.nanoTime());
        }

        String output() {
            return String.join("\n", lines);
        }
    }
}
