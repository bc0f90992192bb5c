package io.ballast.worker.resize;

import io.ballast.linux.Fd;
import io.ballast.linux.Syscalls;
import io.ballast.worker.filesystem.FilesystemTools;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.filesystem.NtfsBootSector;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ByteRanges;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.Containers;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.move.ExtentMover;
import io.ballast.worker.move.Move;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Carries out one step of a resize on the image, finishing or undoing a run of it that was cut off: a move resumes
 * from its last durable chunk, a filesystem step is first undone (from resize2fs's undo file, or from a copy of the
 * range where that cannot serve) and then run again, and everything else is written again as it stands.
 */
final class StepExecutor {

    /** Below this ext block size resize2fs -z fails (e2fsprogs 1.47.0), and a copy of the range serves as undo. */
    static final long E2UNDO_MIN_BLOCK_BYTES = 4096;

    private final Container container;
    private final Path data;
    private final ImageResize.Listener listener;

    StepExecutor(Container container, ImageResize.Listener listener) {
        this.container = container;
        this.data = container.data();
        this.listener = listener;
    }

    /**
     * Runs step {@code index} (from 0) of {@code plan}.
     *
     * @param interrupted whether an earlier run of this very step was cut off
     * @return the data bytes the step moved (0 for steps that move nothing)
     */
    long execute(ResizePlan plan, int index, Step step, boolean interrupted) throws ImageException, IOException {
        Path undo = undoFile(data, index);
        switch (step) {
            case Step.ShrinkFilesystem shrink -> {
                ByteRange range = ByteRange.ofLength(shrink.startBytes(), shrink.fromBytes());
                boolean fromCopy = undoneFromCopy(shrink.filesystem(), shrink.blockBytes());
                undoable(range, fromCopy, undo, interrupted);
                withoutNewZeros(range, () -> {
                    if (shrink.filesystem() == Filesystems.Kind.EXT) {
                        withLoop(
                                range,
                                device -> FilesystemTools.extResize(
                                        device,
                                        Optional.of(shrink.toBytes()),
                                        fromCopy ? Optional.empty() : Optional.of(undo)));
                    } else {
                        withLoop(range, device -> FilesystemTools.ntfsResize(device, Optional.of(shrink.toBytes())));
                    }
                });
                if (shrink.filesystem() == Filesystems.Kind.NTFS) {
                    // ntfsresize updates only the primary when it shrinks: the volume must now leave the shrunk
                    // partition's last sector for the backup, which the boot-sector step writes there
                    try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
                        NtfsBootSector.read(channel, shrink.startBytes(), shrink.toBytes());
                    }
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
                return move.lengthBytes();
            }
            case Step.WriteTable write -> {
                try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    if (channel.size() < write.write().endBytes()) {
                        throw new IOException(data + " is " + channel.size() + " bytes, shorter than the table it"
                                + " is to hold (up to byte " + write.write().endBytes() + ")");
                    }
                    write.write().apply(channel);
                }
            }
            case Step.PunchVacated punch -> {
                try (Fd fd = Fd.readWrite(data)) {
                    long done = 0;
                    long total = punch.ranges().stream()
                            .mapToLong(ByteRange::lengthBytes)
                            .sum();
                    for (ByteRange range : punch.ranges()) {
                        if (fd.dataBytes(range.startBytes(), range.endBytes()) > 0) {
                            fd.punchHole(range.startBytes(), range.lengthBytes());
                        }
                        done += range.lengthBytes();
                        listener.progress(step, done, total);
                    }
                    fd.fsync();
                }
            }
            case Step.GrowFilesystem grow -> {
                ByteRange range = ByteRange.ofLength(grow.startBytes(), grow.toBytes());
                boolean fromCopy = undoneFromCopy(grow.filesystem(), grow.blockBytes());
                undoable(range, fromCopy, undo, interrupted);
                withoutNewZeros(range, () -> {
                    if (grow.filesystem() == Filesystems.Kind.EXT) {
                        withLoop(
                                range,
                                device -> FilesystemTools.extResize(
                                        device, Optional.empty(), fromCopy ? Optional.empty() : Optional.of(undo)));
                    } else {
                        withLoop(range, device -> FilesystemTools.ntfsResize(device, Optional.empty()));
                    }
                });
                if (grow.filesystem() == Filesystems.Kind.NTFS) {
                    requireNtfsBackupAgrees(range);
                }
            }
            case Step.RecreateSwap swap ->
                withLoop(
                        ByteRange.ofLength(swap.startBytes(), swap.bytes()),
                        device -> FilesystemTools.makeSwap(
                                device, new FilesystemTools.SwapIdentity(swap.uuid(), swap.label())));
            case Step.NtfsBootSector boot -> placeNtfsBootSectors(boot);
            case Step.PunchUnused punch ->
                Sparsifier.punch(data, plan.finalDiskBytes(), (done, total) -> listener.progress(step, done, total));
            case Step.Truncate truncate -> truncate(truncate.toBytes());
        }
        return 0;
    }

    /** What a step leaves behind once the journal counts it done. */
    void afterDone(int index, Step step) throws IOException, ImageException {
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

    /** The undo file of step {@code index}: one per step, so a finished step's can never be replayed later. */
    static Path undoFile(Path data, int index) {
        return data.resolveSibling(data.getFileName() + ".ballast-undo-" + (index + 1));
    }

    /**
     * Makes a filesystem step undoable, first undoing a cut-off run of it: from a copy of the whole range, taken
     * before the tool runs, or from the e2undo file resize2fs writes as it goes. After an interruption, what the
     * cut-off run changed is put back, so the step starts over from the filesystem as it was.
     */
    private void undoable(ByteRange range, boolean fromCopy, Path undo, boolean interrupted) throws IOException {
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
        withLoop(range, device -> FilesystemTools.extUndo(device, undo));
        Files.delete(undo);
    }

    @FunctionalInterface
    private interface Work {
        void run() throws IOException;
    }

    /**
     * Runs a filesystem tool over {@code range}, then punches the zero blocks it newly allocated (resize2fs writes
     * whole inode tables of zeros), so a resize does not grow the image's allocation. Block devices are all data.
     */
    private void withoutNewZeros(ByteRange range, Work work) throws IOException {
        if (container instanceof Container.BlockDevice) {
            work.run();
            return;
        }
        List<ByteRange> before;
        try (Fd fd = Fd.readOnly(data)) {
            before = dataRanges(fd, range);
        }
        work.run();
        try (Fd fd = Fd.readWrite(data)) {
            Sparsifier.punchZeros(fd, ByteRanges.subtract(dataRanges(fd, range), before));
        }
    }

    private static List<ByteRange> dataRanges(Fd fd, ByteRange range) throws IOException {
        return fd.dataRanges(range.startBytes(), range.endBytes()).stream()
                .map(data -> new ByteRange(data.startBytes(), data.endBytes()))
                .toList();
    }

    @FunctionalInterface
    private interface DeviceWork {
        void on(Path device) throws IOException;
    }

    private void withLoop(ByteRange range, DeviceWork work) throws IOException {
        try (Fd fd = Fd.readWrite(data);
                Syscalls.LoopDevice loop = fd.attachLoop(range.startBytes(), range.lengthBytes(), false)) {
            work.on(loop.path());
        }
    }

    /**
     * After an ntfsresize grew a volume: its primary boot sector and the backup ntfsresize wrote in the partition's
     * last sector must be the same valid boot sector before the resize goes on; a stale or torn backup stops it here,
     * not at the next boot.
     */
    private void requireNtfsBackupAgrees(ByteRange range) throws ImageException, IOException {
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
            NtfsBootSector.requireBackupAgrees(channel, range.startBytes(), range.lengthBytes());
        }
    }

    /**
     * Writes the NTFS boot sector, pointed at the partition's new start with its geometry restored, as the primary
     * (first sector) and every backup (the partition's last sector, where ntfsresize on the old, larger device did not
     * put it, and the sector after the volume when that is another), then reads them all back and checks them.
     */
    private void placeNtfsBootSectors(Step.NtfsBootSector boot) throws ImageException, IOException {
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            NtfsBootSector primary = NtfsBootSector.read(channel, boot.startBytes(), boot.lengthBytes());
            byte[] placed = primary.placedAt(boot.startBytes(), boot.geometry());
            List<Long> offsets = new ArrayList<>();
            offsets.add(boot.startBytes());
            offsets.addAll(primary.backupOffsets(boot.startBytes(), boot.lengthBytes()));
            for (long offset : offsets) {
                ByteBuffer source = ByteBuffer.wrap(placed);
                while (source.hasRemaining()) {
                    channel.write(source, offset + source.position());
                }
            }
            channel.force(false);
            for (long offset : offsets) {
                NtfsBootSector written = NtfsBootSector.read(channel, offset, boot.lengthBytes());
                if (!Arrays.equals(written.bytes(), placed)) {
                    throw new IOException("the NTFS boot sector at byte " + offset + " reads back other than written");
                }
            }
        }
    }

    private void truncate(long diskBytes) throws IOException, ImageException {
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.WRITE)) {
            if (channel.size() > diskBytes) {
                channel.truncate(diskBytes);
            }
            channel.force(true);
        }
        if (container instanceof Container.VmdkFlat flat) {
            Containers.rewriteVmdkSize(flat, diskBytes);
        }
    }
}
