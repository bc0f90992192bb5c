package io.ballast.bench.image;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.ballast.bench.Benchmark;
import io.ballast.bench.Machine;
import io.ballast.bench.ProcFiles;
import io.ballast.bench.Report;
import io.ballast.bench.Rounds;
import io.ballast.bench.Stats;
import io.ballast.local.Checkout;
import io.ballast.local.launch.Commands;
import io.ballast.worker.move.ExtentMover;
import io.ballast.worker.move.Move;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.resize.ImageResize;
import io.ballast.worker.resize.ResizeOptions;
import io.ballast.worker.resize.Sparsifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench image}: the in-place extent mover against {@code dd} moving the same bytes of the same
 * file in the same run, on a dense range; then the mover on a sparse range, with the I/O it did against the data it
 * moved. Page caches are dropped before each timed move when running as root, so both read from the disk.
 */
@Command(
        name = "image",
        description = "The in-place extent mover against dd, dense and sparse; a re-alignment against sfdisk.")
public final class ImageBench extends Benchmark {

    private static final long MIB = 1L << 20;

    static final double GOAL_RATIO_TO_DD = 0.9;

    static final double GOAL_SHRINK_RATIO = 0.8;

    /** How long one {@code dd} or {@code image resize} may run: each moves up to the gigabytes the options ask for. */
    static final Duration MOVE_BOUND = Duration.ofMinutes(30);

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description = "Where the test image goes (default: .ballast/bench of this checkout, on the filesystem"
                    + " its images would live on).")
    Optional<Path> dir;

    @Option(names = "--dense-mib", defaultValue = "1024", description = "Dense range moved (MiB).")
    long denseMib;

    @Option(
            names = "--shift-mib",
            defaultValue = "64",
            description = "How far left the dense range moves (MiB): the mover syncs each time its writes reach"
                    + " source it has not yet recorded as copied, so at least once per shift.")
    long shiftMib;

    @Option(names = "--sparse-gib", defaultValue = "20", description = "Sparse range moved (GiB).")
    long sparseGib;

    @Option(names = "--sparse-data-gib", defaultValue = "2", description = "Data inside the sparse range (GiB).")
    long sparseDataGib;

    @Option(
            names = "--job-mib",
            defaultValue = "1024",
            description =
                    "Partition re-aligned from sector 63 to 1 MiB by image resize and by sfdisk --move-data (MiB).")
    long jobMib;

    @Option(names = "--job-data-mib", defaultValue = "100", description = "Data inside that partition (MiB).")
    long jobDataMib;

    @Option(
            names = "--shrink-disk-mib",
            defaultValue = "4096",
            description = "Disk of the shrink job (MiB): partition 1 takes 7/8 of it from sector 63, partition 2 a"
                    + " sixteenth after it.")
    long shrinkDiskMib;

    @Option(names = "--shrink-data-mib", defaultValue = "500", description = "Data in partition 1 (MiB).")
    long shrinkDataMib;

    @Option(
            names = "--shrink-to-mib",
            defaultValue = "1024",
            description = "Partition 1's new size (MiB), re-aligned to 1 MiB, partition 2 packed after it, truncated.")
    long shrinkToMib;

    /** Rounds of the dense comparison and of the shrink job. */
    @Mixin
    Rounds rounds = new Rounds(3, 1000);

    @Override
    protected Report measure() throws Exception {
        PrintWriter err = progress();
        int runs = rounds.count();
        Path directory = dir.orElseGet(
                () -> Checkout.containing(ImageBench.class).state().resolve("bench"));
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "--dir " + directory + " is not a directory this program can create or use");
        }
        if (denseMib < 16
                || shiftMib < 1
                || sparseGib < 1
                || sparseDataGib < 1
                || sparseDataGib >= sparseGib
                || jobMib < 2
                || jobDataMib < 1
                || jobDataMib >= jobMib
                || shrinkDiskMib < 64
                || shrinkToMib < 16
                || shrinkDataMib < 1
                || shrinkDataMib * 2 > shrinkToMib
                || shrinkToMib >= shrinkDiskMib - shrinkDiskMib / 8) {
            throw new IllegalArgumentException("--dense-mib must be 16 or more, --shift-mib 1 or more, the"
                    + " sparse data less than the sparse range, --job-mib 2 or more and its data less than it,"
                    + " --shrink-disk-mib 64 or more, --shrink-to-mib 16 or more and below 7/8 of the disk, and"
                    + " --shrink-data-mib at most half of it");
        }
        boolean dropCaches = Files.isWritable(Path.of("/proc/sys/vm/drop_caches"));
        Path image = Files.createTempFile(directory, "bench-move-", ".img");
        try {
            // Dense: a leftward move, the shape of a partition moved towards the start of its disk.
            long dense = denseMib * MIB;
            long shift = shiftMib * MIB;
            Move denseMove = new Move(MIB + shift, MIB, dense);
            List<Long> ours = new ArrayList<>();
            List<Long> dd = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                fillDense(image, denseMove.sourceBytes(), dense, run);
                settle(image, dropCaches);
                long start = System.nanoTime();
                new ExtentMover().move(image, denseMove, ExtentMover.Progress.NONE);
                ours.add(System.nanoTime() - start);
                ExtentMover.release(image);

                fillDense(image, denseMove.sourceBytes(), dense, run);
                settle(image, dropCaches);
                start = System.nanoTime();
                dd(image, denseMove);
                dd.add(System.nanoTime() - start);
                err.printf(
                        Locale.ROOT,
                        "run %d: mover %.0f ms, dd %.0f ms%n",
                        run,
                        ours.getLast() / 1e6,
                        dd.getLast() / 1e6);
            }

            // Sparse: data spread through a large range; the I/O should follow the data.
            long sparse = sparseGib << 30;
            long data = sparseDataGib << 30;
            Files.delete(image);
            Files.createFile(image);
            Move sparseMove = new Move(MIB + shift, MIB, sparse);
            fillSparse(image, sparseMove.sourceBytes(), sparse, data);
            settle(image, dropCaches);
            long[] ioBefore = processIo();
            long start = System.nanoTime();
            ExtentMover.Result result = new ExtentMover().move(image, sparseMove, ExtentMover.Progress.NONE);
            long sparseNanos = System.nanoTime() - start;
            ExtentMover.release(image);
            long[] ioAfter = processIo();
            long allocatedAfter = Sparsifier.allocatedBytes(image);

            // The job: a partition at sector 63 re-aligned to 1 MiB, by image resize and by sfdisk --move-data.
            Files.delete(image);
            Job job = job(image, dropCaches);

            // The shrink job, against the manual route (it needs a loop device for resize2fs: root).
            Optional<ShrinkJob.Figures> shrink = Optional.empty();
            if (root()) {
                shrink = Optional.of(
                        new ShrinkJob(shrinkDiskMib, shrinkDataMib, shrinkToMib).run(directory, runs, dropCaches, err));
            } else {
                err.println("shrink job not run: resize2fs needs a loop device (root)");
            }

            double moverMs = Stats.millis(Stats.median(ours));
            long readBytes = ioAfter[0] - ioBefore[0];
            long writtenBytes = ioAfter[1] - ioBefore[1];
            return new Figures(
                    Machine.here(),
                    dense,
                    shift,
                    runs,
                    dropCaches,
                    moverMs,
                    Stats.millis(Stats.median(dd)),
                    // paired: each round's dd time over its mover time; the disk's speed drifts between rounds
                    Stats.pairedRatio(dd, ours),
                    denseMib / (moverMs / 1e3),
                    sparse,
                    result.dataBytes(),
                    Stats.millis(sparseNanos),
                    readBytes,
                    writtenBytes,
                    allocatedAfter,
                    jobMib * MIB,
                    jobDataMib * MIB,
                    Stats.millis(job.oursNanos()),
                    Stats.millis(job.sfdiskNanos()),
                    job.sfdiskNanos() / (double) job.oursNanos(),
                    job.oursAllocated(),
                    job.sfdiskAllocated(),
                    shrink);
        } finally {
            Files.deleteIfExists(image);
            Files.deleteIfExists(ExtentMover.journalOf(image));
        }
    }

    /** The figures of one run; times in milliseconds, sizes in bytes. */
    public record Figures(
            Machine machine,
            long denseBytes,
            long shiftBytes,
            int runs,
            boolean cachesDropped,
            double moverDenseMedianMs,
            double ddDenseMedianMs,
            double moverThroughputRatioToDd,
            double moverDenseMiBPerS,
            long sparseRangeBytes,
            long sparseDataBytes,
            double moverSparseMs,
            long moverSparseReadBytes,
            long moverSparseWrittenBytes,
            long sparseAllocatedBytesAfter,
            long jobPartitionBytes,
            long jobDataBytes,
            double resizeJobMs,
            double sfdiskMoveDataMs,
            double resizeSpeedupOverSfdisk,
            long resizeAllocatedBytesAfter,
            long sfdiskAllocatedBytesAfter,
            Optional<ShrinkJob.Figures> shrinkJob)
            implements Report {

        /** The dense move at 90 % of dd's throughput or better. */
        @JsonProperty
        public boolean denseGoalMet() {
            return moverThroughputRatioToDd >= GOAL_RATIO_TO_DD;
        }

        @Override
        public String text() {
            return realignText()
                    + System.lineSeparator()
                    + shrinkJob.map(Figures::shrinkText).orElse("shrink job not run (needs root for a loop device)");
        }

        private static String shrinkText(ShrinkJob.Figures job) {
            return String.format(
                    Locale.ROOT,
                    "shrinking a %d MiB partition holding %d MiB to %d MiB, re-aligned, partition 2 packed, truncated:"
                            + " image resize %.0f ms, by hand (resize2fs, sfdisk --move-data, truncate) %.0f ms; paired"
                            + " ratio %.2f (goal under %.1f: %s); steps %s ms; allocated afterwards %.0f MiB and %.0f MiB",
                    job.partitionBytes() / MIB,
                    job.dataBytes() / MIB,
                    job.targetBytes() / MIB,
                    job.resizeMedianMs(),
                    job.byHandMedianMs(),
                    job.pairedRatioToByHand(),
                    GOAL_SHRINK_RATIO,
                    job.pairedRatioToByHand() < GOAL_SHRINK_RATIO ? "met" : "NOT met",
                    job.resizeStepMillis(),
                    job.resizeAllocatedBytesAfter() / (double) MIB,
                    job.byHandAllocatedBytesAfter() / (double) MIB);
        }

        private String realignText() {
            return String.format(
                    Locale.ROOT,
                    """
                    dense move of %d MiB, %d MiB to the left, median of %d runs%s:
                      mover %.0f ms (%.0f MiB/s), dd of the same bytes %.0f ms; median of the rounds' \
                    throughput ratios (dd time / mover time) %.2f (goal %.1f or more: %s)
                    sparse move of %d GiB holding %.2f GiB of data: %.0f ms, read %.2f GiB, wrote %.2f GiB; \
                    %.2f GiB allocated afterwards
                    re-aligning a %d MiB partition holding %d MiB from sector 63 to 1 MiB: image resize \
                    %.0f ms, sfdisk --move-data %.0f ms (%.2fx); allocated afterwards %.0f MiB and %.0f MiB""",
                    denseBytes / MIB,
                    shiftBytes / MIB,
                    runs,
                    cachesDropped ? ", page cache dropped before each" : " (page cache not dropped: not root)",
                    moverDenseMedianMs,
                    moverDenseMiBPerS,
                    ddDenseMedianMs,
                    moverThroughputRatioToDd,
                    GOAL_RATIO_TO_DD,
                    denseGoalMet() ? "met" : "NOT met",
                    sparseRangeBytes >> 30,
                    sparseDataBytes / (double) (1L << 30),
                    moverSparseMs,
                    moverSparseReadBytes / (double) (1L << 30),
                    moverSparseWrittenBytes / (double) (1L << 30),
                    sparseAllocatedBytesAfter / (double) (1L << 30),
                    jobPartitionBytes / MIB,
                    jobDataBytes / MIB,
                    resizeJobMs,
                    sfdiskMoveDataMs,
                    resizeSpeedupOverSfdisk,
                    resizeAllocatedBytesAfter / (double) MIB,
                    sfdiskAllocatedBytesAfter / (double) MIB);
        }
    }

    private static boolean root() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Times and allocations of the re-alignment job done both ways. */
    private record Job(long oursNanos, long sfdiskNanos, long oursAllocated, long sfdiskAllocated) {}

    /**
     * An MBR image whose partition 1 starts at sector 63 and holds {@link #jobDataMib} of data in 1 MiB runs,
     * copied; one copy re-aligned by {@link ImageResize} (1 MiB), the other by {@code sfdisk --move-data} to the same
     * start. The two partitions must then hold the same bytes.
     */
    private Job job(Path ours, boolean dropCaches) throws Exception {
        long sectors = jobMib * MIB / 512;
        try (FileChannel channel = FileChannel.open(ours, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        fillSparse(ours, 63 * 512, jobMib * MIB, jobDataMib * MIB);
        try (RandomAccessFile file = new RandomAccessFile(ours.toFile(), "rw")) {
            file.setLength((jobMib + 2) * MIB);
        }
        Commands.runWithInput(
                "label: dos\nstart=63, size=" + sectors + ", type=83\n", "sfdisk", "--quiet", ours.toString());
        Path theirs = ours.resolveSibling(ours.getFileName() + ".sfdisk");
        Commands.run("cp", "--sparse=always", ours.toString(), theirs.toString());
        try {
            settle(ours, dropCaches);
            long start = System.nanoTime();
            ImageResize.run(
                    ours,
                    new ResizeOptions(
                            java.util.Map.of(),
                            java.util.OptionalDouble.empty(),
                            Alignment.MIB_1,
                            java.util.Set.of(),
                            false,
                            false),
                    ImageResize.Listener.NONE);
            long oursNanos = System.nanoTime() - start;

            settle(theirs, dropCaches);
            start = System.nanoTime();
            Commands.runWithInput(
                    "start=2048\n",
                    "sfdisk",
                    "--quiet",
                    "--no-reread",
                    "--no-tell-kernel",
                    "--move-data",
                    theirs.toString(),
                    "-N",
                    "1");
            try (FileChannel channel = FileChannel.open(theirs, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            long sfdiskNanos = System.nanoTime() - start;
            if (!sameBytes(ours, theirs, 2048 * 512, jobMib * MIB)) {
                throw new IOException("image resize and sfdisk --move-data left different bytes in the partition");
            }
            return new Job(oursNanos, sfdiskNanos, Sparsifier.allocatedBytes(ours), Sparsifier.allocatedBytes(theirs));
        } finally {
            Files.deleteIfExists(theirs);
            Files.deleteIfExists(ExtentMover.journalOf(theirs));
        }
    }

    private static boolean sameBytes(Path a, Path b, long offset, long length) throws IOException {
        try (FileChannel left = FileChannel.open(a);
                FileChannel right = FileChannel.open(b)) {
            ByteBuffer one = ByteBuffer.allocateDirect((int) (8 * MIB));
            ByteBuffer two = ByteBuffer.allocateDirect((int) (8 * MIB));
            for (long at = offset; at < offset + length; at += one.capacity()) {
                one.clear();
                two.clear();
                left.read(one, at);
                right.read(two, at);
                if (!one.flip().equals(two.flip())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Writes {@code length} bytes of pseudo-random data at {@code offset} (the rest of the file stays a hole). */
    private static void fillDense(Path image, long offset, long length, long seed) throws IOException {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
            channel.truncate(0);
            ByteBuffer block = randomBlock(seed);
            for (long at = offset; at < offset + length; at += block.capacity()) {
                block.clear();
                while (block.hasRemaining()) {
                    channel.write(block, at + block.position());
                }
            }
            channel.force(false);
        }
    }

    /** Data runs of 1 MiB spread evenly through {@code [offset, offset + range)}, {@code data} bytes in all. */
    private static void fillSparse(Path image, long offset, long range, long data) throws IOException {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
            channel.truncate(0);
            ByteBuffer block = randomBlock(7);
            long runs = data / MIB;
            long stride = range / runs;
            for (long run = 0; run < runs; run++) {
                long at = offset + run * stride;
                block.clear();
                while (block.hasRemaining()) {
                    channel.write(block, at + block.position());
                }
            }
            channel.force(false);
        }
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(Math.max(file.length(), offset + range));
        }
    }

    private static ByteBuffer randomBlock(long seed) {
        byte[] bytes = new byte[(int) MIB];
        new Random(seed).nextBytes(bytes);
        return ByteBuffer.allocateDirect(bytes.length).put(bytes);
    }

    /** dd of the move's bytes within the same file: 8 MiB blocks, no truncation, synced at the end. */
    private static void dd(Path image, Move move) {
        long block = 8 * MIB;
        Commands.run(
                MOVE_BOUND,
                "dd",
                "if=" + image,
                "of=" + image,
                "bs=" + block,
                "iflag=skip_bytes,count_bytes",
                "oflag=seek_bytes",
                "skip=" + move.sourceBytes(),
                "seek=" + move.destinationBytes(),
                "count=" + move.lengthBytes(),
                "conv=notrunc,fsync",
                "status=none");
    }

    /** Writes back dirty pages, and drops the page cache when allowed, so the next move reads from the disk. */
    static void settle(Path image, boolean dropCaches) throws IOException, InterruptedException {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        if (dropCaches) {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
        }
    }

    /** {read_bytes, write_bytes} of this process from {@code /proc/self/io}: what reached or will reach the disk. */
    private static long[] processIo() throws IOException {
        Path io = Path.of("/proc/self/io");
        return new long[] {ioBytes(io, "read_bytes"), ioBytes(io, "write_bytes")};
    }

    private static long ioBytes(Path io, String name) throws IOException {
        return ProcFiles.field(io, name).map(Long::parseLong).orElse(0L);
    }
}
