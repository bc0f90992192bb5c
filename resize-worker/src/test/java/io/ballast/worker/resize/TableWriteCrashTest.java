package io.ballast.worker.resize;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.launch.Commands;
import io.ballast.local.launch.Launcher;
import io.ballast.testsupport.SystemPrerequisites;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at every write and every sync of the table step, by fault injection ({@code strace -e inject=...:
 * signal=SIGKILL}) on the resize's own system calls on the image: a GPT's backup copy written but not its primary
 * entries, the primary entries but not the primary header, an EBR chain half written, and so on. Each time the same resize, run again, finishes
 * with the table an uninterrupted run writes ({@code sgdisk -v} clean) and every file intact: the table is written
 * from the sectors the journal holds, never read back half-written.
 */
class TableWriteCrashTest {

    private static final Pattern CALL = Pattern.compile("^(\\d+) +(pwrite64|fdatasync|fsync)\\(");

    @TempDir
    Path temp;

    /** One system call on the image, by the thread that made it. */
    private record Call(long thread, String name) {}

    @Test
    void aGptTableWriteKilledAtAnyWriteOrSyncIsFinishedFromTheJournal() throws Exception {
        // the backup copy, the primary entries and the primary header (with the protective MBR) are each synced
        killAtEveryTableWriteAndSync(TestImages.gpt(temp), 3, 4, new int[] {1, 2}, image -> assertThat(
                        Commands.run("sgdisk", "-v", image.toString()))
                .contains("No problems found"));
    }

    @Test
    void anMbrTableWithLogicalPartitionsKilledAtAnyWriteOrSyncIsFinishedFromTheJournal() throws Exception {
        // the EBR chain, then the MBR that points at it
        killAtEveryTableWriteAndSync(TestImages.mbrWithLogicals(temp), 2, 3, new int[] {1, 5}, image -> assertThat(
                        Commands.run("sfdisk", "--verify", image.toString()))
                .contains("No errors detected"));
    }

    @FunctionalInterface
    private interface TableCheck {
        void verify(Path image) throws Exception;
    }

    /**
     * Finds the table step's writes and syncs in a traced reference run of {@link ResizeProcess} on a copy of
     * {@code original}, then kills a run on a fresh copy at each of them and continues it: each must end with the
     * reference's layout, {@code check} passing and the files of {@code extPartitions} intact.
     */
    private void killAtEveryTableWriteAndSync(
            TestImages.Built original, int syncs, int minimumWrites, int[] extPartitions, TableCheck check)
            throws Exception {
        TestImages.requireTools();
        SystemPrerequisites.require("strace");
        Path reference = copy(original.image(), "reference.img");
        Path trace = temp.resolve("reference.trace");
        assertThat(child(reference, List.of("-o", trace.toString(), "-e", "trace=pwrite64,fdatasync,fsync")))
                .isZero();
        Map<Integer, long[]> layout = TestImages.sfdiskLayout(reference);
        check.verify(reference);

        // the table step is the run of writes and syncs that ends with the image's last fdatasync, after the
        // mover's last fsync; every one of them is counted per thread, as strace's injection counts them
        List<Call> calls = calls(trace);
        int lastTableSync = lastIndexOf(calls, "fdatasync");
        long thread = calls.get(lastTableSync).thread();
        int tableStart = lastTableSync;
        while (tableStart > 0 && !calls.get(tableStart - 1).name().equals("fsync")) {
            tableStart--;
        }
        List<String> kills = new ArrayList<>();
        for (int i = tableStart; i <= lastTableSync; i++) {
            Call call = calls.get(i);
            assertThat(call.thread()).as("the table is written by one thread").isEqualTo(thread);
            long nth = calls.subList(0, i + 1).stream()
                    .filter(c -> c.thread() == thread && c.name().equals(call.name()))
                    .count();
            kills.add(call.name() + ":signal=SIGKILL:when=" + nth);
        }
        assertThat(kills.stream().filter(kill -> kill.startsWith("fdatasync"))).hasSize(syncs);
        assertThat(kills.stream().filter(kill -> kill.startsWith("pwrite64")))
                .hasSizeGreaterThanOrEqualTo(minimumWrites);

        for (String kill : kills) {
            Path image = copy(original.image(), "crash.img");
            assertThat(child(image, List.of("-e", "trace=pwrite64,fdatasync,fsync", "-e", "inject=" + kill)))
                    .as("killed at " + kill)
                    .isEqualTo(137);

            ImageResize.run(image, ResizeProcess.OPTIONS, ImageResize.Listener.NONE);

            assertThat(sectors(TestImages.sfdiskLayout(image)))
                    .as("after a kill at " + kill)
                    .isEqualTo(sectors(layout));
            check.verify(image);
            TestImages.assertExtKept(original, image, layout, extPartitions);
            assertThat(TestImages.leftovers(image)).isEmpty();
            Files.delete(image);
        }
        Files.delete(reference);
    }

    /** Runs the resize in a JVM of its own under strace (filtered to the image's calls); its exit code. */
    private static int child(Path image, List<String> straceOptions) throws Exception {
        List<String> command =
                new ArrayList<>(List.of("strace", "-f", "-qq", "-e", "signal=none", "-P", image.toString()));
        command.addAll(straceOptions);
        if (straceOptions.stream().noneMatch(option -> option.equals("-o"))) {
            command.addAll(List.of("-o", "/dev/null"));
        }
        command.addAll(Launcher.javaCommand(List.of(), ResizeProcess.class, image.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return process.exitValue();
    }

    /** A layout as start and size in sectors, by partition number, comparable by value. */
    private static Map<Integer, List<Long>> sectors(Map<Integer, long[]> layout) {
        Map<Integer, List<Long>> sectors = new java.util.TreeMap<>();
        layout.forEach((number, range) -> sectors.put(number, List.of(range[0], range[1])));
        return sectors;
    }

    private static List<Call> calls(Path trace) throws IOException {
        List<Call> calls = new ArrayList<>();
        for (String line : Files.readAllLines(trace, StandardCharsets.UTF_8)) {
            Matcher matcher = CALL.matcher(line);
            if (matcher.find()) {
                calls.add(new Call(Long.parseLong(matcher.group(1)), matcher.group(2)));
            }
        }
        return calls;
    }

    private static int lastIndexOf(List<Call> calls, String name) {
        for (int i = calls.size() - 1; i >= 0; i--) {
            if (calls.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no " + name + " of the image in the trace");
    }

    private Path copy(Path from, String name) {
        Path to = temp.resolve(name);
        Commands.run("cp", "--sparse=always", from.toString(), to.toString());
        return to;
    }
}
