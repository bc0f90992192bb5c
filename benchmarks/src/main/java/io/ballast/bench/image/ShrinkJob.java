package io.ballast.bench.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.bench.Stats;
import io.ballast.local.launch.Commands;
import io.ballast.local.launch.Launcher;
import io.ballast.worker.cli.ImageCommand;
import io.ballast.worker.resize.Sparsifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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
 * Page caches are dropped before each side, and the side that goes first alternates: Ballast in odd rounds, the
 * manual route in even ones, so neither always meets the machine the other warmed or left writing back. After each
 * round, outside the timed part, both results must have the same layout, clean filesystems ({@code e2fsck -fn} on both
 * partitions of both images) and in partition 1 the very files the image was built with (SHA-256, read back through a
 * read-only loop mount).
 */
public final class ShrinkJob {

    private static final long MIB = 1L << 20;

    /** Where partition 1 starts once re-aligned to 1 MiB, in sectors. */
    private static final long ALIGNED_START_SECTORS = 2048;

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
        Original original = build(directory);
        List<Long> ours = new ArrayList<>();
        List<Long> byHand = new ArrayList<>();
        List<Long> steps = List.of();
        long oursAllocated = 0;
        long byHandAllocated = 0;
        try {
            for (int round = 1; round <= rounds; round++) {
                Path mine = copy(original.image(), directory.resolve("shrink-ours.img"));
                Path theirs = copy(original.image(), directory.resolve("shrink-by-hand.img"));
                try {
                    boolean ballastFirst = round % 2 == 1;
                    JsonNode result;
                    if (ballastFirst) {
                        result = timedResize(mine, dropCaches, ours);
                        timedByHand(theirs, dropCaches, byHand);
                    } else {
                        timedByHand(theirs, dropCaches, byHand);
                        result = timedResize(mine, dropCaches, ours);
                    }
                    requireSameResult(original, mine, theirs, directory);
                    steps = new ArrayList<>();
                    for (JsonNode millis : result.get("stepMillis")) {
                        steps.add(millis.asLong());
                    }
                    oursAllocated = Sparsifier.allocatedBytes(mine);
                    byHandAllocated = Sparsifier.allocatedBytes(theirs);
                    err.printf(
                            Locale.ROOT,
                            "shrink job round %d (%s first): image resize %.0f ms, by hand %.0f ms%n",
                            round,
                            ballastFirst ? "image resize" : "by hand",
                            Stats.millis(ours.getLast()),
                            Stats.millis(byHand.getLast()));
                } finally {
                    Files.deleteIfExists(mine);
                    Files.deleteIfExists(theirs);
                }
            }
        } finally {
            Files.deleteIfExists(original.image());
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

    /**
     * The image before the job and the SHA-256 (hex) of each file partition 1 holds, by name: what both results must
     * still hold.
     */
    private record Original(Path image, Map<String, String> sha256) {}

    /** The image: ext4 partitions made with mkfs.ext4 -E offset (no loop device), partition 1 holding the data. */
    private Original build(Path directory) throws Exception {
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
        Map<String, String> sha256 = new TreeMap<>();
        try {
            byte[] block = new byte[(int) MIB];
            Random random = new Random(5);
            for (long mib = 0; mib < dataMib; mib++) {
                random.nextBytes(block);
                String name = "piece-" + mib;
                Files.write(files.resolve(name), block);
                sha256.put(name, HexFormat.of().formatHex(sha256().digest(block)));
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
        return new Original(image, sha256);
    }

    /** Ballast's side of a round: caches dropped, then {@code image resize} timed and its time added to {@code times}. */
    private JsonNode timedResize(Path image, boolean dropCaches, List<Long> times) throws Exception {
        ImageBench.settle(image, dropCaches);
        long start = System.nanoTime();
        JsonNode result = resize(image);
        times.add(System.nanoTime() - start);
        return result;
    }

    /** The manual side of a round: caches dropped, then {@link #byHand} timed and its time added to {@code times}. */
    private void timedByHand(Path image, boolean dropCaches, List<Long> times) throws Exception {
        ImageBench.settle(image, dropCaches);
        long start = System.nanoTime();
        byHand(image);
        times.add(System.nanoTime() - start);
    }

    /**
     * Both results of a round: the same partition table, clean filesystems in both partitions of both, and partition 1
     * of each holding exactly the files the image was built with.
     *
     * @throws IOException saying how they differ
     */
    private void requireSameResult(Original original, Path mine, Path theirs, Path directory) throws IOException {
        String layout = Commands.run("sfdisk", "--dump", mine.toString()).replace(mine.toString(), "");
        String expected = Commands.run("sfdisk", "--dump", theirs.toString()).replace(theirs.toString(), "");
        if (!layout.replaceAll("(?m)^label-id:.*$", "").equals(expected.replaceAll("(?m)^label-id:.*$", ""))) {
            throw new IOException(
                    "image resize and the manual route left different layouts:\n" + layout + "\n" + expected);
        }
        long targetSectors = targetMib * MIB / 512;
        for (Path image : List.of(mine, theirs)) {
            for (long startSector : new long[] {ALIGNED_START_SECTORS, ALIGNED_START_SECTORS + targetSectors}) {
                Commands.run("e2fsck", "-fn", image + "?offset=" + startSector * 512);
            }
            Map<String, String> held = partition1Files(image, directory);
            if (!held.equals(original.sha256())) {
                throw new IOException(image.getFileName() + "'s partition 1 does not hold the files it was built with: "
                        + difference(original.sha256(), held));
            }
        }
    }

    /** The SHA-256 of each file in partition 1 of {@code image}, read through a read-only loop mount. */
    private Map<String, String> partition1Files(Path image, Path directory) throws IOException {
        Path mount = Files.createTempDirectory(directory, "shrink-mount-");
        try {
            Commands.run(
                    "mount",
                    "-o",
                    "ro,loop,offset=" + ALIGNED_START_SECTORS * 512 + ",sizelimit=" + targetMib * MIB,
                    image.toString(),
                    mount.toString());
            try {
                Map<String, String> sha256 = new TreeMap<>();
                // closed before the unmount: an open directory keeps the filesystem busy
                try (DirectoryStream<Path> files = Files.newDirectoryStream(mount, Files::isRegularFile)) {
                    for (Path file : files) {
                        sha256.put(
                                file.getFileName().toString(),
                                HexFormat.of().formatHex(sha256().digest(Files.readAllBytes(file))));
                    }
                }
                return sha256;
            } finally {
                Commands.run("umount", mount.toString());
            }
        } finally {
            Files.delete(mount);
        }
    }

    /** The first file missing, extra or changed in {@code held}, and how many differ. */
    private static String difference(Map<String, String> built, Map<String, String> held) {
        Set<String> names = new TreeSet<>(built.keySet());
        names.addAll(held.keySet());
        List<String> differing = names.stream()
                .filter(name -> !Objects.equals(built.get(name), held.get(name)))
                .toList();
        String first = differing.getFirst();
        String how = !held.containsKey(first) ? "missing" : !built.containsKey(first) ? "not built" : "changed";
        return differing.size() + " of " + names.size() + " files differ, the first " + first + " (" + how + ")";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
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
        sfdisk(image, 1, "start=" + ALIGNED_START_SECTORS, true);
        sfdisk(image, 2, "start=" + (ALIGNED_START_SECTORS + target), true);
        Commands.run(
                "truncate",
                "-s",
                Long.toString((ALIGNED_START_SECTORS + target + partition2Sectors()) * 512),
                image.toString());
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
