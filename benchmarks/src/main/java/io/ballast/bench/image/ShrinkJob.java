package io.ballast.bench.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.bench.Stats;
import io.ballast.local.launch.Launcher;
import io.ballast.testsupport.Commands;
import io.ballast.worker.cli.ImageCommand;
import io.ballast.worker.resize.Sparsifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The right-sizing job an operator would otherwise do by hand, both ways on identical copies, paired round by round:
 * partition 1 (ext4 at sector 63, holding data) shrunk to a target and re-aligned to 1 MiB, partition 2 (ext4) packed
 * after it, the image truncated.
 *
 * <ul>
 *   <li>Ballast: {@code ./ballast image resize IMAGE --partition 1=SIZE --align 1m --truncate}, as its own process
 *       (JVM start included), with its journal, undo file and syncs.
 *   <li>By hand: {@code e2fsck -fn} and {@code resize2fs} on a loop device, {@code sfdisk} for the new size, {@code
 *       sfdisk --move-data} for each new start, {@code truncate}, {@code sync}.
 * </ul>
 *
 * Page caches are dropped before each side. Both results must have the same layout and clean filesystems.
 */
public final class ShrinkJob {

    private static final long MIB = 1L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JVM options {@code ./ballast image} runs the image command with (the script's TOOL_JAVA_OPTS). */
    private static final List<String> TOOL_JVM_OPTIONS =
            List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--sun-misc-unsafe-memory-access=allow");

    /**
     * The figures: medians, the paired ratio (Ballast's time over the manual route's; under 1 is faster), the time of
     * each of Ballast's steps in the last round, and allocations afterwards.
     */
    public record Figures(
            long diskBytes,
            long partitionBytes,
            long dataBytes,
            long targetBytes,
            int rounds,
            double resizeMedianMs,
            double byHandMedianMs,
            double pairedRatioToByHand,
            List<Long> resizeStepMillis,
            long resizeAllocatedBytesAfter,
            long byHandAllocatedBytesAfter) {}

    private final long diskMib;
    private final long dataMib;
    private final long targetMib;

    ShrinkJob(long diskMib, long dataMib, long targetMib) {
        this.diskMib = diskMib;
        this.dataMib = dataMib;
        this.targetMib = targetMib;
    }

    long partition1Sectors() {
        return (diskMib - diskMib / 8) * MIB / 512;
    }

    long partition2Sectors() {
        return diskMib / 16 * MIB / 512;
    }

    Figures run(Path directory, int rounds, boolean dropCaches, PrintWriter err) throws Exception {
        Path original = build(directory);
        List<Long> ours = new ArrayList<>();
        List<Long> byHand = new ArrayList<>();
        List<Long> steps = List.of();
        long oursAllocated = 0;
        long byHandAllocated = 0;
        try {
            for (int round = 1; round <= rounds; round++) {
                Path mine = copy(original, directory.resolve("shrink-ours.img"));
                Path theirs = copy(original, directory.resolve("shrink-by-hand.img"));
                try {
                    ImageBench.settle(mine, dropCaches);
                    long start = System.nanoTime();
                    JsonNode result = resize(mine);
                    ours.add(System.nanoTime() - start);

                    ImageBench.settle(theirs, dropCaches);
                    start = System.nanoTime();
                    byHand(theirs);
                    byHand.add(System.nanoTime() - start);

                    String layout =
                            Commands.run("sfdisk", "--dump", mine.toString()).replace(mine.toString(), "");
                    String expected =
                            Commands.run("sfdisk", "--dump", theirs.toString()).replace(theirs.toString(), "");
                    if (!layout.replaceAll("(?m)^label-id:.*$", "")
                            .equals(expected.replaceAll("(?m)^label-id:.*$", ""))) {
                        throw new IOException("image resize and the manual route left different layouts:\n" + layout
                                + "\n" + expected);
                    }
                    for (long offset : new long[] {2048 * 512, (2048 + targetMib * MIB / 512) * 512}) {
                        Commands.run("e2fsck", "-fn", mine + "?offset=" + offset);
                    }
                    steps = new ArrayList<>();
                    for (JsonNode millis : result.get("stepMillis")) {
                        steps.add(millis.asLong());
                    }
                    oursAllocated = Sparsifier.allocatedBytes(mine);
                    byHandAllocated = Sparsifier.allocatedBytes(theirs);
                    err.printf(
                            Locale.ROOT,
                            "shrink job round %d: image resize %.0f ms, by hand %.0f ms%n",
                            round,
                            Stats.millis(ours.getLast()),
                            Stats.millis(byHand.getLast()));
                } finally {
                    Files.deleteIfExists(mine);
                    Files.deleteIfExists(theirs);
                }
            }
        } finally {
            Files.deleteIfExists(original);
        }
        return new Figures(
                diskMib * MIB,
                partition1Sectors() * 512,
                dataMib * MIB,
                targetMib * MIB,
                rounds,
                Stats.millis(Stats.median(ours)),
                Stats.millis(Stats.median(byHand)),
                Stats.pairedRatio(ours, byHand),
                steps,
                oursAllocated,
                byHandAllocated);
    }

    /** The image: ext4 partitions made with mkfs.ext4 -E offset (no loop device), partition 1 holding the data. */
    private Path build(Path directory) throws Exception {
        Path image = directory.resolve("shrink-original.img");
        Files.deleteIfExists(image);
        Commands.run("truncate", "-s", diskMib + "M", image.toString());
        long p1 = partition1Sectors();
        long p2Start = 63 + p1;
        Commands.runWithInput(
                "label: dos\nstart=63, size=" + p1 + ", type=83\nstart=" + p2Start + ", size=" + partition2Sectors()
                        + ", type=83\n",
                "sfdisk",
                "--quiet",
                image.toString());
        Path files = Files.createTempDirectory(directory, "shrink-files-");
        try {
            byte[] block = new byte[(int) MIB];
            Random random = new Random(5);
            for (long mib = 0; mib < dataMib; mib++) {
                random.nextBytes(block);
                Files.write(files.resolve("piece-" + mib), block);
            }
            Commands.run(
                    "mkfs.ext4",
                    "-q",
                    "-F",
                    "-d",
                    files.toString(),
                    "-E",
                    "offset=" + 63 * 512,
                    image.toString(),
                    p1 / 2 + "k");
            Commands.run(
                    "mkfs.ext4",
                    "-q",
                    "-F",
                    "-E",
                    "offset=" + p2Start * 512,
                    image.toString(),
                    partition2Sectors() / 2 + "k");
        } finally {
            Commands.run("rm", "-rf", files.toString());
        }
        return image;
    }

    /** {@code image resize} in a JVM of its own, started as {@code ./ballast image} starts it; its JSON result. */
    private JsonNode resize(Path image) throws IOException {
        List<String> command = Launcher.javaCommand(
                TOOL_JVM_OPTIONS,
                ImageCommand.class,
                "resize",
                image.toString(),
                "--partition",
                "1=" + targetMib + "M",
                "--align",
                "1m",
                "--truncate",
                "--json",
                "--progress=json");
        String out = Commands.run(ImageBench.MOVE_BOUND, command.toArray(String[]::new));
        return JSON.readTree(out.lines().reduce((first, last) -> last).orElseThrow());
    }

    /** resize2fs on a loop device, sfdisk for the size and then each start with --move-data, truncate, sync. */
    private void byHand(Path image) {
        String device = Commands.run(
                        "losetup",
                        "--find",
                        "--show",
                        "--offset",
                        Long.toString(63 * 512),
                        "--sizelimit",
                        Long.toString(partition1Sectors() * 512),
                        image.toString())
                .strip();
        try {
            Commands.run("e2fsck", "-fn", device);
            Commands.run("resize2fs", "-f", device, targetMib + "M");
        } finally {
            Commands.run("losetup", "-d", device);
        }
        long target = targetMib * MIB / 512;
        // sfdisk moves data only while a partition keeps its size: the size first, then the starts
        sfdisk(image, 1, "start=63, size=" + target, false);
        sfdisk(image, 1, "start=2048", true);
        sfdisk(image, 2, "start=" + (2048 + target), true);
        Commands.run("truncate", "-s", Long.toString((2048 + target + partition2Sectors()) * 512), image.toString());
        Commands.run("sync", image.toString());
    }

    /** sfdisk on one partition; with --move-data but no log path, so sfdisk writes no move log next to the image. */
    private static void sfdisk(Path image, int partition, String line, boolean moveData) {
        List<String> command = new ArrayList<>(List.of("sfdisk", "--quiet", "--no-reread", "--no-tell-kernel"));
        if (moveData) {
            command.add("--move-data");
        }
        command.addAll(List.of(image.toString(), "-N", Integer.toString(partition)));
        Commands.runWithInput(line + "\n", command.toArray(String[]::new));
    }

    private static Path copy(Path from, Path to) {
        Commands.run("cp", "--sparse=always", from.toString(), to.toString());
        return to;
    }
}
