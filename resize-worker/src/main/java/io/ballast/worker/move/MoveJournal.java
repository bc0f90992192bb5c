package io.ballast.worker.move;

import io.ballast.linux.DurableFiles;
import io.ballast.linux.Fd;
import io.ballast.linux.Syscalls;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * The durable record of one {@link Move} in progress, in a file next to the image. Every record carries a CRC32C, so
 * a write torn by a crash reads as absent, never as wrong.
 *
 * <pre>
 * offset 0      header      magic, image identity (device, inode), source, destination, length, chunk size, CRC
 * offset 4096   checkpoint  sequence, chunks done, CRC      (two copies, written alternately:
 * offset 8192   checkpoint                                   the valid one with the higher sequence counts)
 * offset 12288  saved chunk chunk index, its data ranges, their bytes, CRC
 * </pre>
 *
 * <p>A saved chunk is the source of a chunk whose destination overlaps it, written and synced before the chunk's
 * destination is touched: if the copy is cut, the chunk is redone from the saved bytes.
 */
final class MoveJournal implements AutoCloseable {

    static final int BLOCK = 4096;
    private static final byte[] MAGIC = "BALLAST-MOVE-V1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int SLOT_MAGIC = 0x42534C54;
    private static final long SLOT_OFFSET = 3L * BLOCK;
    private static final int MAX_RANGES = 1 << 20;

    /** The image a journal belongs to: its device and inode, so a journal is never applied to another file. */
    record ImageIdentity(long device, long inode) {
        static ImageIdentity of(Syscalls.Stat stat) {
            return new ImageIdentity(
                    ((long) stat.deviceMajor() << 32) | (stat.deviceMinor() & 0xffffffffL), stat.inode());
        }
    }

    /** A chunk's source as saved: data ranges relative to the chunk's start, and their bytes one after the other. */
    record SavedChunk(long index, List<ByteRange> ranges, ByteBuffer bytes) {}

    private final Path file;
    private final FileChannel channel;
    private final ImageIdentity image;
    private final Move move;
    private final int chunkBytes;
    private long sequence;

    private MoveJournal(Path file, FileChannel channel, ImageIdentity image, Move move, int chunkBytes, long sequence) {
        this.file = file;
        this.channel = channel;
        this.image = image;
        this.move = move;
        this.chunkBytes = chunkBytes;
        this.sequence = sequence;
    }

    /**
     * A new journal for {@code move}; fails if the file exists. Written under a temporary name, synced and renamed
     * (directory synced too) before it returns, so a journal file that exists always holds a whole header: one cut
     * off while being made never appears, and then nothing of the move was written either.
     */
    static MoveJournal create(Path file, ImageIdentity image, Move move, int chunkBytes) throws IOException {
        if (Files.exists(file)) {
            throw new java.nio.file.FileAlreadyExistsException(file.toString());
        }
        Path partial = file.resolveSibling(file.getFileName() + ".new");
        FileChannel channel = FileChannel.open(
                partial,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(BLOCK);
            header.put(MAGIC)
                    .putLong(image.device())
                    .putLong(image.inode())
                    .putLong(move.sourceBytes())
                    .putLong(move.destinationBytes())
                    .putLong(move.lengthBytes())
                    .putInt(chunkBytes);
            header.putInt(crc(header.array(), 0, header.position()));
            header.clear();
            writeFully(channel, header, 0);
            MoveJournal journal = new MoveJournal(file, channel, image, move, chunkBytes, 0);
            journal.checkpoint(0);
            DurableFiles.rename(partial, file, false);
            return journal;
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    /** The journal in {@code file}, or empty when there is none. */
    static Optional<MoveJournal> open(Path file) throws IOException, ImageException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(BLOCK);
            readFully(channel, header, 0);
            byte[] magic = Arrays.copyOf(header.array(), MAGIC.length);
            header.position(MAGIC.length);
            long device = header.getLong();
            long inode = header.getLong();
            long source = header.getLong();
            long destination = header.getLong();
            long length = header.getLong();
            int chunkBytes = header.getInt();
            int end = header.position();
            int storedCrc = header.getInt();
            if (!Arrays.equals(magic, MAGIC) || storedCrc != crc(header.array(), 0, end)) {
                throw new ImageException.Refused(
                        "move journal " + file + " has no valid header; it was not written by this version or is"
                                + " damaged (the move it records cannot be resumed from it)");
            }
            if (chunkBytes <= 0 || chunkBytes % Move.SECTOR_BYTES != 0) {
                throw new ImageException.Refused(
                        "move journal " + file + " names a chunk size of " + chunkBytes + " bytes");
            }
            Move move;
            try {
                move = new Move(source, destination, length);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new ImageException.Refused(
                        "move journal " + file + " records an impossible move: " + e.getMessage());
            }
            MoveJournal journal = new MoveJournal(file, channel, new ImageIdentity(device, inode), move, chunkBytes, 0);
            journal.sequence = journal.latestCheckpoint().sequence();
            return Optional.of(journal);
        } catch (IOException | ImageException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    Path file() {
        return file;
    }

    ImageIdentity image() {
        return image;
    }

    Move move() {
        return move;
    }

    int chunkBytes() {
        return chunkBytes;
    }

    /** Chunks known to be copied and synced. */
    long chunksDone() throws IOException {
        return latestCheckpoint().chunksDone();
    }

    /** Records that the first {@code chunksDone} chunks are copied (the image must be synced already); synced. */
    void checkpoint(long chunksDone) throws IOException {
        long next = sequence + 1;
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        block.putLong(next).putLong(chunksDone);
        block.putInt(crc(block.array(), 0, block.position()));
        block.clear();
        writeFully(channel, block, BLOCK * (1 + next % 2));
        channel.force(false);
        sequence = next;
    }

    /** Saves chunk {@code index}'s source (its data ranges and their bytes); synced before it returns. */
    void save(long index, List<ByteRange> ranges, ByteBuffer bytes) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(4 + 8 + 4 + 8 + ranges.size() * 16);
        head.putInt(SLOT_MAGIC).putLong(index).putInt(ranges.size()).putLong(bytes.remaining());
        for (ByteRange range : ranges) {
            head.putLong(range.startBytes()).putLong(range.endBytes());
        }
        head.flip();
        CRC32C crc = new CRC32C();
        crc.update(head.duplicate());
        crc.update(bytes.duplicate());
        ByteBuffer tail = ByteBuffer.allocate(4).putInt((int) crc.getValue()).flip();
        long position = SLOT_OFFSET;
        position += writeFully(channel, head, position);
        position += writeFully(channel, bytes.duplicate(), position);
        writeFully(channel, tail, position);
        channel.force(false);
    }

    /** The saved chunk, if one was completely written; {@code into} receives its bytes. */
    Optional<SavedChunk> saved(ByteBuffer into) throws IOException {
        ByteBuffer fixed = ByteBuffer.allocate(24);
        if (channel.size() < SLOT_OFFSET + fixed.capacity()) {
            return Optional.empty();
        }
        readFully(channel, fixed, SLOT_OFFSET);
        fixed.flip();
        if (fixed.getInt() != SLOT_MAGIC) {
            return Optional.empty();
        }
        long index = fixed.getLong();
        int count = fixed.getInt();
        long payload = fixed.getLong();
        if (count < 0 || count > MAX_RANGES || payload < 0 || payload > into.capacity()) {
            return Optional.empty();
        }
        long rangesAt = SLOT_OFFSET + fixed.capacity();
        long payloadAt = rangesAt + 16L * count;
        if (channel.size() < payloadAt + payload + 4) {
            return Optional.empty();
        }
        ByteBuffer rangeBytes = ByteBuffer.allocate(16 * count);
        readFully(channel, rangeBytes, rangesAt);
        into.clear().limit((int) payload);
        readFully(channel, into, payloadAt);
        ByteBuffer stored = ByteBuffer.allocate(4);
        readFully(channel, stored, payloadAt + payload);
        CRC32C crc = new CRC32C();
        crc.update(fixed.flip());
        crc.update(rangeBytes.flip());
        crc.update(into.flip());
        if ((int) crc.getValue() != stored.flip().getInt()) {
            return Optional.empty();
        }
        List<ByteRange> ranges = new ArrayList<>(count);
        long total = 0;
        rangeBytes.rewind();
        for (int i = 0; i < count; i++) {
            long start = rangeBytes.getLong();
            long end = rangeBytes.getLong();
            if (start < 0 || end < start || end > chunkBytes) {
                return Optional.empty();
            }
            total += end - start;
            ranges.add(new ByteRange(start, end));
        }
        if (total != payload) {
            return Optional.empty();
        }
        into.rewind();
        return Optional.of(new SavedChunk(index, ranges, into));
    }

    /** Removes the journal once the move is complete and synced. */
    void delete() throws IOException {
        channel.close();
        Files.delete(file);
        Fd.syncDirectoryOf(file);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** One of the two checkpoint copies: its sequence number and the chunks it records as done. */
    private record Checkpoint(long sequence, long chunksDone) {}

    /** The valid checkpoint with the higher sequence. */
    private Checkpoint latestCheckpoint() throws IOException {
        Checkpoint best = new Checkpoint(-1, 0);
        for (int copy = 0; copy < 2; copy++) {
            ByteBuffer block = ByteBuffer.allocate(BLOCK);
            long at = BLOCK * (1L + copy);
            if (channel.size() < at + 20) {
                continue;
            }
            readFully(channel, block, at);
            block.flip();
            long seq = block.getLong();
            long done = block.getLong();
            int stored = block.getInt();
            if (stored == crc(block.array(), 0, 16)
                    && seq > best.sequence()
                    && done >= 0
                    && done <= move.chunks(chunkBytes)) {
                best = new Checkpoint(seq, done);
            }
        }
        if (best.sequence() < 0) {
            throw new IOException("move journal " + file + " has no valid checkpoint");
        }
        return best;
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    private static int writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        int written = 0;
        while (buffer.hasRemaining()) {
            written += channel.write(buffer, position + written);
        }
        return written;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, at);
            if (read < 0) {
                throw new IOException("move journal ends at " + at + ", before the record it should hold");
            }
            at += read;
        }
    }
}
