package io.ballast.worker.move;

import io.ballast.linux.DataRange;
import io.ballast.linux.Fd;
import io.ballast.linux.Syscalls;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Moves a byte range of a disk image in place, crash-safe: after {@code kill -9} or a power loss, {@link #move} or
 * {@link #resume} with the same image continues from the last durable chunk and ends with the same bytes as an
 * uninterrupted move. A finished move stays recorded, and running it again does nothing, until the caller
 * {@link #release}s it.
 *
 * <ul>
 *   <li>Chunks run in the direction that never overwrites source not yet copied: ascending for a leftward move,
 *       descending for a rightward one.
 *   <li>Before a chunk's destination would cover the source of a chunk not yet recorded as done, the image is synced
 *       and a checkpoint written ({@link MoveJournal}); a chunk whose destination covers its own source is saved in
 *       the journal first.
 *   <li>Holes stay holes: only data ({@code SEEK_DATA}/{@code SEEK_HOLE}) is read and written, and the destination's
 *       share of each hole is punched, so I/O follows the data, not the range. A block device is all data.
 * </ul>
 */
public final class ExtentMover {

    /** Told after each chunk: bytes of the range moved so far and the whole range. */
    public interface Progress {
        void moved(long doneBytes, long totalBytes);

        Progress NONE = (done, total) -> {};
    }

    /**
     * What a run did: data bytes copied and hole bytes punched in this run, whether it continued an earlier run, and
     * how much of the range that earlier run had recorded as done.
     */
    public record Result(Move move, long dataBytes, long holeBytes, boolean resumed, long resumedFromBytes) {}

    public static final int DEFAULT_CHUNK_BYTES = 8 << 20;
    /** Sync and checkpoint at least this often, so a restart redoes little. */
    private static final long CHECKPOINT_EVERY_BYTES = 256L << 20;

    /** How far ahead of the chunk being written the sources are read into the page cache. */
    private static final long READ_AHEAD_BYTES = 32L << 20;

    private final int chunkBytes;

    public ExtentMover() {
        this(DEFAULT_CHUNK_BYTES);
    }

    public ExtentMover(int chunkBytes) {
        if (chunkBytes < MoveJournal.BLOCK || chunkBytes % MoveJournal.BLOCK != 0) {
            throw new IllegalArgumentException("chunk size must be a multiple of 4096 bytes, not " + chunkBytes);
        }
        this.chunkBytes = chunkBytes;
    }

    /** Where the journal of moves within {@code image} lives: next to it. */
    public static Path journalOf(Path image) {
        return image.resolveSibling(image.getFileName() + ".ballast-move");
    }

    /** The move an earlier run left unfinished in {@code image}, if any. */
    public static Optional<Move> pending(Path image) throws IOException, ImageException {
        Optional<MoveJournal> journal = MoveJournal.open(journalOf(image));
        if (journal.isEmpty()) {
            return Optional.empty();
        }
        try (MoveJournal open = journal.get()) {
            boolean finished = open.chunksDone() == open.move().chunks(open.chunkBytes());
            return finished ? Optional.empty() : Optional.of(open.move());
        }
    }

    /** The move recorded for {@code image}, finished or not, if any. */
    public static Optional<Move> recorded(Path image) throws IOException, ImageException {
        Optional<MoveJournal> journal = MoveJournal.open(journalOf(image));
        if (journal.isEmpty()) {
            return Optional.empty();
        }
        try (MoveJournal open = journal.get()) {
            return Optional.of(open.move());
        }
    }

    /**
     * Removes the record of a finished move of {@code image}, once the caller has recorded that it is done. Until
     * then the journal stays, so a caller that dies after the move and retries it gets "already done" instead of
     * copying again over source the move has overwritten.
     *
     * @throws ImageException if the recorded move is not finished
     */
    public static void release(Path image) throws IOException, ImageException {
        Optional<MoveJournal> journal = MoveJournal.open(journalOf(image));
        if (journal.isEmpty()) {
            return;
        }
        MoveJournal open = journal.get();
        if (open.chunksDone() != open.move().chunks(open.chunkBytes())) {
            open.close();
            throw new ImageException.Refused("the move recorded in " + open.file() + " (" + open.move()
                    + ") is not finished; resume it instead of releasing it");
        }
        open.delete();
    }

    /**
     * Moves {@code move} within {@code image}, or finishes it if an earlier run of the same move was interrupted.
     *
     * @throws ImageException if the move does not fit in the image, or another move of this image is unfinished
     */
    public Result move(Path image, Move move, Progress progress) throws IOException, ImageException {
        Optional<MoveJournal> existing = MoveJournal.open(journalOf(image));
        if (existing.isPresent()) {
            MoveJournal journal = existing.get();
            if (!journal.move().equals(move)) {
                boolean finished = journal.chunksDone() == journal.move().chunks(journal.chunkBytes());
                journal.close();
                throw new ImageException.Refused(
                        finished
                                ? "an earlier move of " + image + " (" + journal.move() + ") is finished but not yet"
                                        + " released by the job that made it (journal " + journal.file() + ")"
                                : "another move of " + image + " is unfinished (" + journal.move()
                                        + "); resume it before starting " + move + " (journal " + journal.file()
                                        + ")");
            }
            return run(image, journal, true, progress);
        }
        try (Image opened = Image.open(image)) {
            opened.check(move);
            MoveJournal journal = MoveJournal.create(journalOf(image), opened.identity(), move, chunkBytes);
            return run(image, journal, false, progress);
        }
    }

    /** Finishes the move an earlier run left unfinished; empty if there is none. */
    public Optional<Result> resume(Path image, Progress progress) throws IOException, ImageException {
        Optional<MoveJournal> journal = MoveJournal.open(journalOf(image));
        if (journal.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(run(image, journal.get(), true, progress));
    }

    private static Result run(Path path, MoveJournal journal, boolean resumed, Progress progress)
            throws IOException, ImageException {
        try (journal;
                Image image = Image.open(path)) {
            if (!image.identity().equals(journal.image())) {
                throw new ImageException.Refused("move journal " + journal.file() + " belongs to another file than "
                        + path + " (device/inode differ); it is left as it is");
            }
            Move move = journal.move();
            image.check(move);
            int chunk = journal.chunkBytes();
            long chunks = move.chunks(chunk);
            long start = journal.chunksDone();
            ByteBuffer buffer = ByteBuffer.allocateDirect(chunk);
            long readAhead = Math.max(1, READ_AHEAD_BYTES / chunk);
            long checkpointed = start;
            long sinceCheckpoint = 0;
            long data = 0;
            long holes = 0;
            for (long index = start; index < chunks; index++) {
                ByteRange part = move.chunk(index, chunk);
                ByteRange source = shift(part, move.sourceBytes());
                ByteRange destination = shift(part, move.destinationBytes());
                if (checkpointed < index
                        && (destination.overlaps(pendingSources(move, chunk, checkpointed, index))
                                || sinceCheckpoint >= CHECKPOINT_EVERY_BYTES)) {
                    image.sync();
                    journal.checkpoint(index);
                    checkpointed = index;
                    sinceCheckpoint = 0;
                }
                List<ByteRange> ranges;
                Optional<MoveJournal.SavedChunk> saved = index == start && resumed
                        ? journal.saved(buffer).filter(s -> s.index() == start)
                        : Optional.empty();
                if (saved.isPresent()) {
                    ranges = saved.get().ranges();
                } else {
                    ranges = image.dataRanges(source);
                    image.read(source.startBytes(), ranges, buffer);
                    if (destination.overlaps(source)) {
                        journal.save(index, ranges, buffer.duplicate());
                    }
                }
                if (index + 1 < chunks) {
                    // While this chunk is written and synced, the kernel reads the next ones.
                    image.readAhead(pendingSources(move, chunk, index + 1, Math.min(chunks, index + 1 + readAhead)));
                }
                holes += image.write(destination, ranges, buffer);
                image.startWriteback(destination);
                for (ByteRange range : ranges) {
                    data += range.lengthBytes();
                }
                sinceCheckpoint += part.lengthBytes();
                if (destination.overlaps(source)) {
                    image.sync();
                    journal.checkpoint(index + 1);
                    checkpointed = index + 1;
                    sinceCheckpoint = 0;
                }
                progress.moved(movedBytes(move, chunk, index + 1), move.lengthBytes());
            }
            image.sync();
            journal.checkpoint(chunks);
            return new Result(move, data, holes, resumed, movedBytes(move, chunk, start));
        }
    }

    /** The image range covered by the sources of chunks {@code [from, to)}: consecutive, so one range. */
    private static ByteRange pendingSources(Move move, int chunk, long from, long to) {
        ByteRange first = move.chunk(from, chunk);
        ByteRange last = move.chunk(to - 1, chunk);
        long start = Math.min(first.startBytes(), last.startBytes());
        long end = Math.max(first.endBytes(), last.endBytes());
        return new ByteRange(move.sourceBytes() + start, move.sourceBytes() + end);
    }

    private static long movedBytes(Move move, int chunk, long chunksDone) {
        return Math.min(move.lengthBytes(), chunksDone * (long) chunk);
    }

    private static ByteRange shift(ByteRange part, long offset) {
        return ByteRange.ofLength(offset + part.startBytes(), part.lengthBytes());
    }

    /** The image file (or block device) open for the move: a channel for data and a descriptor for holes and sync. */
    private static final class Image implements AutoCloseable {
        private final Path path;
        private final FileChannel channel;
        private final Fd fd;
        private final Syscalls.Stat stat;
        private final long sizeBytes;

        private Image(Path path, FileChannel channel, Fd fd, Syscalls.Stat stat, long sizeBytes) {
            this.path = path;
            this.channel = channel;
            this.fd = fd;
            this.stat = stat;
            this.sizeBytes = sizeBytes;
        }

        static Image open(Path path) throws IOException {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Fd fd;
            try {
                fd = Fd.readWrite(path);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            try {
                return new Image(path, channel, fd, fd.stat(), channel.size());
            } catch (IOException e) {
                channel.close();
                fd.close();
                throw e;
            }
        }

        MoveJournal.ImageIdentity identity() {
            return MoveJournal.ImageIdentity.of(stat);
        }

        void check(Move move) throws ImageException {
            if (move.source().endBytes() > sizeBytes || move.destination().endBytes() > sizeBytes) {
                throw new ImageException.Refused(
                        "cannot move " + move + " within " + path + ": it is " + sizeBytes + " bytes long");
            }
        }

        /** The data ranges of {@code range}, relative to its start; all of it on a block device. */
        List<ByteRange> dataRanges(ByteRange range) throws IOException {
            if (!stat.isRegularFile()) {
                return List.of(new ByteRange(0, range.lengthBytes()));
            }
            List<ByteRange> relative = new ArrayList<>();
            for (DataRange data : fd.dataRanges(range.startBytes(), range.endBytes())) {
                relative.add(
                        new ByteRange(data.startBytes() - range.startBytes(), data.endBytes() - range.startBytes()));
            }
            return relative;
        }

        /** Reads the data ranges of the chunk starting at {@code start} into {@code buffer}, packed one after another. */
        void read(long start, List<ByteRange> ranges, ByteBuffer buffer) throws IOException {
            buffer.clear();
            for (ByteRange range : ranges) {
                long at = start + range.startBytes();
                int end = buffer.position() + (int) range.lengthBytes();
                buffer.limit(end);
                while (buffer.hasRemaining()) {
                    int read = channel.read(buffer, at);
                    if (read < 0) {
                        throw new IOException(path + " ends at " + at + ", inside the range being moved");
                    }
                    at += read;
                }
            }
            buffer.flip();
        }

        /**
         * Writes the packed data of {@code ranges} to {@code destination} and punches the rest of it; returns the hole
         * bytes punched.
         */
        long write(ByteRange destination, List<ByteRange> ranges, ByteBuffer packed) throws IOException {
            ByteBuffer source = packed.duplicate();
            source.rewind();
            long cursor = 0;
            long holes = 0;
            for (ByteRange range : ranges) {
                holes += punch(destination.startBytes() + cursor, range.startBytes() - cursor);
                source.limit(source.position() + (int) range.lengthBytes());
                long at = destination.startBytes() + range.startBytes();
                while (source.hasRemaining()) {
                    at += channel.write(source, at);
                }
                cursor = range.endBytes();
            }
            holes += punch(destination.startBytes() + cursor, destination.lengthBytes() - cursor);
            return holes;
        }

        private long punch(long offset, long length) throws IOException {
            if (length <= 0) {
                return 0;
            }
            if (!stat.isRegularFile()) {
                throw new IOException("a hole in a block device's range: " + offset);
            }
            fd.punchHole(offset, length);
            return length;
        }

        void sync() throws IOException {
            fd.fsync();
        }

        /** Starts writing {@code range} back now, so the next {@link #sync} finds little left to write. */
        void readAhead(ByteRange range) throws IOException {
            long end = Math.min(range.endBytes(), sizeBytes);
            if (end > range.startBytes()) {
                fd.adviseWillNeed(range.startBytes(), end - range.startBytes());
            }
        }

        void startWriteback(ByteRange range) throws IOException {
            fd.startWriteback(range.startBytes(), range.lengthBytes());
        }

        @Override
        public void close() throws IOException {
            try (fd) {
                channel.close();
            }
        }
    }
}
