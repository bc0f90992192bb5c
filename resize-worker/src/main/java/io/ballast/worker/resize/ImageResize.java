package io.ballast.worker.resize;

import io.ballast.cli.ByteSize;
import io.ballast.linux.Syscalls;
import io.ballast.worker.filesystem.FilesystemTools;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.Containers;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.GptWriter;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.MbrWriter;
import io.ballast.worker.image.Partition;
import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.image.TableSnapshot;
import io.ballast.worker.move.ExtentMover;
import io.ballast.worker.move.Move;
import io.ballast.worker.plan.LayoutPlanner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Right-sizes a disk image in place: shrink filesystems, move partitions to the planned layout, write the table,
 * grow filesystems, re-create swap, fix NTFS boot sectors, punch unused space, truncate. Every step is recorded in a
 * {@link ResizeJournal} before the next begins; run again after an interruption, a resize continues from its
 * journal, finishing or undoing the step that was cut off (the extent mover resumes from its last durable chunk, an
 * ext resize is rolled back with its e2undo file and done again, table writes are repeated from the snapshot).
 */
public final class ImageResize {

    /** Below this ext block size resize2fs -z fails (e2fsprogs 1.47.0), and a copy of the range serves as undo. */
    static final long E2UNDO_MIN_BLOCK_BYTES = 4096;

    /** Smallest swap area mkswap makes: ten 4 KiB pages. */
    static final long SWAP_MINIMUM_BYTES = 10 * 4096;

    private static final long MIB = 1 << 20;
    private static final int NTFS_GEOMETRY = 0x18;
    private static final int NTFS_HIDDEN_SECTORS = 0x1C;
    private static final int NTFS_TOTAL_SECTORS = 0x28;

    /** Told what happens, step by step and within long steps. */
    public interface Listener {
        void step(int number, int count, Step step, boolean resumed);

        void progress(Step step, long doneBytes, long totalBytes);

        Listener NONE = new Listener() {
            @Override
            public void step(int number, int count, Step step, boolean resumed) {}

            @Override
            public void progress(Step step, long doneBytes, long totalBytes) {}
        };
    }

    /** A partition as the resize sees it; {@code blockBytes} is an ext filesystem's block size, else 0. */
    public record PartitionInfo(
            Partition partition,
            Filesystems.Kind filesystem,
            OptionalLong usedBytes,
            OptionalLong minimumBytes,
            boolean logical,
            long blockBytes) {}

    /** What a resize will do: the image as it is, the new layout and the steps. Computing it changes nothing. */
    public record Preview(
            Path image,
            DiskLayout layout,
            List<PartitionInfo> partitions,
            List<LayoutPlanner.Placed> placed,
            long finalDiskBytes,
            List<Step> steps) {}

    /** What a resize did. */
    public record Outcome(
            Preview preview,
            boolean resumed,
            int stepsRun,
            long fileBytesBefore,
            long fileBytesAfter,
            long allocatedBytesBefore,
            long allocatedBytesAfter,
            long movedDataBytes) {}

    private ImageResize() {}

    /** Plans the resize of {@code image}: reads it (and checks its filesystems read-only), writes nothing. */
    public static Preview preview(Path image, ResizeOptions options) throws ImageException, IOException {
        DiskLayout layout = DiskLayout.read(image);
        Container container = layout.container();
        if (options.truncate() && container instanceof Container.BlockDevice) {
            throw new ImageException(image + " is a block device; it keeps its size (--truncate is for image files)");
        }
        PartitionTable table = layout.table();
        List<PartitionInfo> partitions = new ArrayList<>();
        Map<Integer, FilesystemTools.SwapIdentity> swaps = new LinkedHashMap<>();
        Map<Integer, int[]> ntfsGeometry = new LinkedHashMap<>();
        try (FileChannel disk = FileChannel.open(container.data(), StandardOpenOption.READ)) {
            for (Partition partition : table.partitions()) {
                partitions.add(inspect(container.data(), disk, table, partition, swaps, ntfsGeometry));
            }
        }
        List<LayoutPlanner.Current> current = partitions.stream()
                .map(p -> new LayoutPlanner.Current(
                        p.partition().number(), p.partition().range(), p.logical(), p.usedBytes(), p.minimumBytes()))
                .toList();
        LayoutPlanner.Plan plan = LayoutPlanner.plan(table.scheme(), layout.diskBytes(), current, options.request());
        long finalDiskBytes = layout.diskBytes();
        if (options.truncate()) {
            finalDiskBytes = Math.min(layout.diskBytes(), LayoutPlanner.roundUp(plan.requiredDiskBytes(), MIB));
        }
        List<Step> steps =
                steps(table, partitions, plan, finalDiskBytes, layout.diskBytes(), options, swaps, ntfsGeometry);
        checkTable(container.data(), layout, plan, finalDiskBytes);
        checkRoomForUndoCopies(container.data(), steps);
        return new Preview(image, layout, partitions, plan.partitions(), finalDiskBytes, steps);
    }

    /**
     * The largest copy a filesystem step will take of its range (see {@link #undoneFromCopy}) must fit next to the
     * image; one is kept at a time. Refused now, before anything changed, when it would not.
     */
    private static void checkRoomForUndoCopies(Path data, List<Step> steps) throws ImageException, IOException {
        long largest = 0;
        int fd = Syscalls.open(data, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC, 0);
        try {
            for (Step step : steps) {
                if (step instanceof Step.ShrinkFilesystem shrink
                        && undoneFromCopy(shrink.filesystem(), shrink.blockBytes())) {
                    largest = Math.max(
                            largest,
                            Syscalls.dataBytes(fd, shrink.startBytes(), shrink.startBytes() + shrink.fromBytes()));
                }
                if (step instanceof Step.GrowFilesystem grow && undoneFromCopy(grow.filesystem(), grow.blockBytes())) {
                    // what the partition holds now, and at most the whole of what it grows by
                    largest = Math.max(largest, grow.toBytes());
                }
            }
        } finally {
            Syscalls.close(fd);
        }
        if (largest == 0) {
            return;
        }
        Path directory = data.toAbsolutePath().getParent();
        int dir = Syscalls.open(directory, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC, 0);
        long available;
        try {
            available = Syscalls.usage(dir).availableBytes();
        } finally {
            Syscalls.close(dir);
        }
        if (largest > available) {
            throw new ImageException("the resize keeps a copy of a partition to undo a cut-off filesystem step, up to "
                    + ByteSize.human(largest) + ", but " + directory + " has " + ByteSize.human(available) + " free");
        }
    }

    /** Asks the table writer whether it would take the new layout, so a layout it refuses stops the resize now. */
    private static void checkTable(Path data, DiskLayout layout, LayoutPlanner.Plan plan, long finalDiskBytes)
            throws ImageException, IOException {
        Map<Integer, ByteRange> ranges = new LinkedHashMap<>();
        plan.partitions().forEach(p -> ranges.put(p.number(), p.to()));
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
            switch (layout.table().scheme()) {
                case MBR ->
                    MbrWriter.check(
                            TableSnapshot.of(channel, layout.diskBytes(), layout.table()), finalDiskBytes, ranges);
                case GPT -> GptWriter.check(channel, layout.diskBytes(), finalDiskBytes, ranges);
                case NONE -> {}
            }
        }
    }

    private static PartitionInfo inspect(
            Path data,
            FileChannel disk,
            PartitionTable table,
            Partition partition,
            Map<Integer, FilesystemTools.SwapIdentity> swaps,
            Map<Integer, int[]> ntfsGeometry)
            throws ImageException, IOException {
        long start = partition.range().startBytes();
        Filesystems.Kind kind = Filesystems.detect(disk, start);
        OptionalLong used = OptionalLong.empty();
        OptionalLong minimum = OptionalLong.empty();
        long blockBytes = 0;
        switch (kind) {
            case EXT -> {
                Optional<String> problems = FilesystemTools.extProblems(data, start);
                if (problems.isPresent()) {
                    throw new ImageException("partition " + partition.number() + ": e2fsck -fn finds problems; repair"
                            + " the filesystem (e2fsck -f) before resizing: " + problems.get());
                }
                Filesystems.ExtUsage usage = Filesystems.extUsage(data, start);
                used = OptionalLong.of(usage.usedBytes());
                minimum = OptionalLong.of(usage.minimumBytes());
                blockBytes = usage.blockBytes();
            }
            case NTFS -> {
                int fd = Syscalls.open(data, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC, 0);
                try (Syscalls.LoopDevice loop =
                        Syscalls.attachLoop(fd, data, start, partition.range().lengthBytes(), true)) {
                    long min = FilesystemTools.ntfsMinimum(loop.path());
                    used = OptionalLong.of(min);
                    minimum = OptionalLong.of(min);
                } finally {
                    Syscalls.close(fd);
                }
                ByteBuffer boot = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
                disk.read(boot, start);
                ntfsGeometry.put(partition.number(), new int[] {
                    Short.toUnsignedInt(boot.getShort(NTFS_GEOMETRY + 2)),
                    Short.toUnsignedInt(boot.getShort(NTFS_GEOMETRY))
                });
            }
            case SWAP -> {
                minimum = OptionalLong.of(SWAP_MINIMUM_BYTES);
                swaps.put(partition.number(), FilesystemTools.swapIdentity(disk, start));
            }
            default -> {}
        }
        boolean logical = table.scheme() == PartitionTable.Scheme.MBR && partition.number() >= 5;
        return new PartitionInfo(partition, kind, used, minimum, logical, blockBytes);
    }

    private static List<Step> steps(
            PartitionTable table,
            List<PartitionInfo> partitions,
            LayoutPlanner.Plan plan,
            long finalDiskBytes,
            long diskBytes,
            ResizeOptions options,
            Map<Integer, FilesystemTools.SwapIdentity> swaps,
            Map<Integer, int[]> ntfsGeometry) {
        Map<Integer, Filesystems.Kind> kinds = new LinkedHashMap<>();
        Map<Integer, Long> blocks = new LinkedHashMap<>();
        partitions.forEach(p -> {
            kinds.put(p.partition().number(), p.filesystem());
            blocks.put(p.partition().number(), p.blockBytes());
        });
        List<Step> steps = new ArrayList<>();
        for (LayoutPlanner.Placed placed : plan.partitions()) {
            Filesystems.Kind kind = kinds.get(placed.number());
            if (placed.to().lengthBytes() < placed.from().lengthBytes()
                    && (kind == Filesystems.Kind.EXT || kind == Filesystems.Kind.NTFS)) {
                steps.add(new Step.ShrinkFilesystem(
                        placed.number(),
                        kind,
                        placed.from().startBytes(),
                        placed.from().lengthBytes(),
                        placed.to().lengthBytes(),
                        blocks.get(placed.number())));
            }
        }
        // Right moves from the last to the first, then left moves from the first to the last: no move then
        // writes over bytes another move has yet to read.
        List<LayoutPlanner.Placed> moving = plan.partitions().stream()
                .filter(LayoutPlanner.Placed::moves)
                .filter(p -> kinds.get(p.number()) != Filesystems.Kind.SWAP)
                .toList();
        List<LayoutPlanner.Placed> ordered = new ArrayList<>();
        moving.stream()
                .filter(p -> p.to().startBytes() > p.from().startBytes())
                .sorted(Comparator.comparingLong(
                                (LayoutPlanner.Placed p) -> p.from().startBytes())
                        .reversed())
                .forEach(ordered::add);
        moving.stream()
                .filter(p -> p.to().startBytes() < p.from().startBytes())
                .sorted(Comparator.comparingLong(p -> p.from().startBytes()))
                .forEach(ordered::add);
        for (LayoutPlanner.Placed placed : ordered) {
            long length = Math.min(placed.from().lengthBytes(), placed.to().lengthBytes());
            steps.add(new Step.MoveData(
                    placed.number(), placed.from().startBytes(), placed.to().startBytes(), length));
        }
        boolean layoutChanges = plan.partitions().stream().anyMatch(p -> p.moves() || p.resized());
        if (table.scheme() != PartitionTable.Scheme.NONE && (layoutChanges || finalDiskBytes != diskBytes)) {
            steps.add(new Step.WriteTable(finalDiskBytes));
        }
        for (LayoutPlanner.Placed placed : plan.partitions()) {
            Filesystems.Kind kind = kinds.get(placed.number());
            if (placed.to().lengthBytes() > placed.from().lengthBytes()
                    && (kind == Filesystems.Kind.EXT || kind == Filesystems.Kind.NTFS)) {
                steps.add(new Step.GrowFilesystem(
                        placed.number(),
                        kind,
                        placed.to().startBytes(),
                        placed.to().lengthBytes(),
                        blocks.get(placed.number())));
            }
            if (kind == Filesystems.Kind.SWAP && (placed.moves() || placed.resized())) {
                FilesystemTools.SwapIdentity swap = swaps.get(placed.number());
                steps.add(new Step.RecreateSwap(
                        placed.number(),
                        placed.to().startBytes(),
                        placed.to().lengthBytes(),
                        swap.uuid(),
                        swap.label()));
            }
            if (kind == Filesystems.Kind.NTFS && (placed.moves() || placed.resized())) {
                int[] geometry = ntfsGeometry.get(placed.number());
                steps.add(new Step.NtfsBootSector(placed.number(), placed.to().startBytes(), geometry[0], geometry[1]));
            }
        }
        if (options.sparsify()) {
            steps.add(new Step.PunchUnused());
        }
        if (finalDiskBytes < diskBytes) {
            steps.add(new Step.Truncate(diskBytes, finalDiskBytes));
        }
        return steps;
    }

    /**
     * Resizes {@code image}, or continues the resize its journal records. A journal with other options than
     * {@code options} is refused: the interrupted resize must be finished first, as it was asked.
     *
     * @throws ImageException when the image or the plan is refused (nothing changed), or a step cannot go on (the
     *     journal stays, naming the step)
     */
    public static Outcome run(Path image, ResizeOptions options, Listener listener) throws ImageException, IOException {
        Container container = Containers.detect(image);
        Path data = container.data();
        Path journalFile = ResizeJournal.of(data);
        try (ImageGuard guard = ImageGuard.acquire(container)) {
            Optional<ResizeJournal> existing = ResizeJournal.read(journalFile);
            Syscalls.Stat before = stat(data);
            ResizeJournal journal;
            Preview preview;
            boolean resumed = existing.isPresent();
            if (resumed) {
                journal = existing.get();
                if (!journal.options().equals(options)) {
                    throw new ImageException("an interrupted resize of " + image + " was asked with other options ("
                            + journal.options().describe() + "); run it again with those to finish it");
                }
                if (!identity(before).equals(journal.device()) || before.inode() != journal.inode()) {
                    throw new ImageException("resize journal " + journalFile + " belongs to another file than " + data
                            + " (device/inode differ); it is left as it is");
                }
                preview = new Preview(
                        image, null, List.of(), journal.layout(), journal.finalDiskBytes(), journal.steps());
            } else {
                preview = preview(image, options);
                TableSnapshot snapshot;
                try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
                    snapshot = TableSnapshot.of(
                            channel,
                            preview.layout().diskBytes(),
                            preview.layout().table());
                }
                journal = new ResizeJournal(
                        ResizeJournal.VERSION,
                        identity(before),
                        before.inode(),
                        System.currentTimeMillis(),
                        options,
                        preview.layout().diskBytes(),
                        preview.layout().table().scheme(),
                        snapshot,
                        preview.placed(),
                        preview.finalDiskBytes(),
                        preview.steps(),
                        0);
                if (!preview.steps().isEmpty()) {
                    journal.save(journalFile);
                }
            }
            long moved = 0;
            int run = 0;
            List<Step> steps = journal.steps();
            if (resumed && journal.done() > 0) {
                // the last finished step may have been recorded without its leftovers removed
                afterDone(data, journal.done() - 1, steps.get(journal.done() - 1));
            }
            for (int index = journal.done(); index < steps.size(); index++) {
                Step step = steps.get(index);
                boolean interrupted = resumed && index == existing.get().done();
                listener.step(index + 1, steps.size(), step, interrupted);
                execute(container, journal, step, interrupted, listener);
                if (step instanceof Step.MoveData move) {
                    moved += move.lengthBytes();
                }
                journal = journal.withDone(index + 1);
                journal.save(journalFile);
                afterDone(data, index, step);
                run++;
            }
            ResizeJournal.delete(journalFile);
            Syscalls.Stat after = stat(data);
            return new Outcome(
                    preview,
                    resumed,
                    run,
                    before.sizeBytes(),
                    after.sizeBytes(),
                    before.allocatedBytes(),
                    after.allocatedBytes(),
                    moved);
        }
    }

    private static void execute(
            Container container, ResizeJournal journal, Step step, boolean interrupted, Listener listener)
            throws ImageException, IOException {
        Path data = container.data();
        Path undo = undoFile(data, journal.done());
        switch (step) {
            case Step.ShrinkFilesystem shrink -> {
                ByteRange range = ByteRange.ofLength(shrink.startBytes(), shrink.fromBytes());
                boolean fromCopy = undoneFromCopy(shrink.filesystem(), shrink.blockBytes());
                undoable(data, range, fromCopy, undo, interrupted);
                if (shrink.filesystem() == Filesystems.Kind.EXT) {
                    withLoop(
                            data,
                            range,
                            device -> FilesystemTools.extResize(
                                    device,
                                    Optional.of(shrink.toBytes()),
                                    fromCopy ? Optional.empty() : Optional.of(undo)));
                } else {
                    withLoop(data, range, device -> FilesystemTools.ntfsResize(device, Optional.of(shrink.toBytes())));
                }
            }
            case Step.MoveData move -> {
                Move wanted = new Move(move.sourceBytes(), move.destinationBytes(), move.lengthBytes());
                Optional<Move> recorded = ExtentMover.recorded(data);
                if (recorded.isPresent() && !recorded.get().equals(wanted)) {
                    // a move an earlier step finished, recorded as done, whose record was not yet removed
                    ExtentMover.release(data);
                }
                new ExtentMover().move(data, wanted, (done, total) -> listener.progress(step, done, total));
            }
            case Step.WriteTable write -> {
                Map<Integer, ByteRange> ranges = new LinkedHashMap<>();
                journal.layout().forEach(p -> ranges.put(p.number(), p.to()));
                try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    if (journal.scheme() == PartitionTable.Scheme.MBR) {
                        MbrWriter.rewrite(channel, journal.table(), write.diskBytes(), ranges);
                    } else {
                        GptWriter.rewrite(channel, journal.diskBytes(), write.diskBytes(), ranges);
                    }
                }
            }
            case Step.GrowFilesystem grow -> {
                ByteRange range = ByteRange.ofLength(grow.startBytes(), grow.toBytes());
                boolean fromCopy = undoneFromCopy(grow.filesystem(), grow.blockBytes());
                undoable(data, range, fromCopy, undo, interrupted);
                if (grow.filesystem() == Filesystems.Kind.EXT) {
                    withLoop(
                            data,
                            range,
                            device -> FilesystemTools.extResize(
                                    device, Optional.empty(), fromCopy ? Optional.empty() : Optional.of(undo)));
                } else {
                    withLoop(data, range, device -> FilesystemTools.ntfsResize(device, Optional.empty()));
                }
            }
            case Step.RecreateSwap swap ->
                withLoop(
                        data,
                        ByteRange.ofLength(swap.startBytes(), swap.bytes()),
                        device -> FilesystemTools.makeSwap(
                                device, new FilesystemTools.SwapIdentity(swap.uuid(), swap.label())));
            case Step.NtfsBootSector boot -> fixNtfsBootSector(data, boot);
            case Step.PunchUnused punch ->
                Sparsifier.punch(data, journal.finalDiskBytes(), (done, total) -> listener.progress(step, done, total));
            case Step.Truncate truncate -> truncate(container, truncate.toBytes());
        }
    }

    /** What a step leaves behind once the journal counts it done. */
    private static void afterDone(Path data, int index, Step step) throws IOException, ImageException {
        if (step instanceof Step.MoveData move
                && ExtentMover.recorded(data)
                        .equals(Optional.of(
                                new Move(move.sourceBytes(), move.destinationBytes(), move.lengthBytes())))) {
            // only this step's own record: the next step's move may already be under way
            ExtentMover.release(data);
        }
        if (step instanceof Step.ShrinkFilesystem || step instanceof Step.GrowFilesystem) {
            Path undo = undoFile(data, index);
            Files.deleteIfExists(undo);
            Files.deleteIfExists(undo.resolveSibling(undo.getFileName() + ".partial"));
        }
    }

    /**
     * Whether a filesystem step is undone from a copy of its range rather than from resize2fs's own undo file: NTFS
     * (ntfsresize keeps no undo record) and ext with blocks under 4 KiB (where resize2fs's undo file fails).
     */
    static boolean undoneFromCopy(Filesystems.Kind filesystem, long blockBytes) {
        return filesystem != Filesystems.Kind.EXT || blockBytes < E2UNDO_MIN_BLOCK_BYTES;
    }

    /**
     * Makes a filesystem step undoable, first undoing a cut-off run of it: from a copy of the whole range, taken
     * before the tool runs, or from the e2undo file resize2fs writes as it goes. After an interruption, what the
     * cut-off run changed is put back, so the step starts over from the filesystem as it was.
     */
    private static void undoable(Path data, ByteRange range, boolean fromCopy, Path undo, boolean interrupted)
            throws IOException {
        if (fromCopy) {
            if (interrupted && RangeCopy.exists(undo)) {
                RangeCopy.restore(data, range, undo);
            } else {
                RangeCopy.save(data, range, undo);
            }
            return;
        }
        if (!interrupted || !FilesystemTools.undoRecorded(undo)) {
            Files.deleteIfExists(undo);
            return;
        }
        withLoop(data, range, device -> FilesystemTools.extUndo(device, undo));
        Files.delete(undo);
    }

    /** The e2undo file of step {@code index}: one per step, so a finished step's can never be replayed later. */
    static Path undoFile(Path data, int index) {
        return data.resolveSibling(data.getFileName() + ".ballast-undo-" + (index + 1));
    }

    @FunctionalInterface
    private interface DeviceWork {
        void on(Path device) throws IOException;
    }

    private static void withLoop(Path data, ByteRange range, DeviceWork work) throws IOException {
        int fd = Syscalls.open(data, Syscalls.O_RDWR | Syscalls.O_CLOEXEC, 0);
        try (Syscalls.LoopDevice loop = Syscalls.attachLoop(fd, data, range.startBytes(), range.lengthBytes(), false)) {
            work.on(loop.path());
        } finally {
            Syscalls.close(fd);
        }
    }

    private static void fixNtfsBootSector(Path data, Step.NtfsBootSector boot) throws IOException {
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer sector = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(sector, boot.startBytes());
            long totalSectors = sector.getLong(NTFS_TOTAL_SECTORS);
            List<Long> copies = new ArrayList<>(List.of(boot.startBytes()));
            if (totalSectors > 0) {
                copies.add(boot.startBytes() + totalSectors * 512);
            }
            for (long offset : copies) {
                ByteBuffer copy = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
                channel.read(copy, offset);
                if (!new String(copy.array(), 3, 8, java.nio.charset.StandardCharsets.US_ASCII).equals("NTFS    ")) {
                    continue;
                }
                copy.putShort(NTFS_GEOMETRY, (short) boot.sectorsPerTrack());
                copy.putShort(NTFS_GEOMETRY + 2, (short) boot.heads());
                copy.putInt(NTFS_HIDDEN_SECTORS, (int) Math.min(boot.startBytes() / 512, 0xFFFFFFFFL));
                channel.write(copy.clear(), offset);
            }
            channel.force(false);
        }
    }

    private static void truncate(Container container, long diskBytes) throws IOException, ImageException {
        try (FileChannel channel = FileChannel.open(container.data(), StandardOpenOption.WRITE)) {
            if (channel.size() > diskBytes) {
                channel.truncate(diskBytes);
            }
            channel.force(true);
        }
        if (container instanceof Container.VmdkFlat flat) {
            Containers.rewriteVmdkSize(flat, diskBytes);
        }
    }

    static Syscalls.Stat stat(Path data) throws IOException {
        int fd = Syscalls.open(data, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC, 0);
        try {
            return Syscalls.stat(fd);
        } finally {
            Syscalls.close(fd);
        }
    }

    private static String identity(Syscalls.Stat stat) {
        return stat.deviceMajor() + ":" + stat.deviceMinor();
    }
}
