package io.ballast.worker.resize;

import io.ballast.linux.Fd;
import io.ballast.worker.filesystem.FilesystemTools;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ByteRanges;
import io.ballast.worker.image.DiskLabels;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.Partition;
import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.image.PartitionTables;
import io.ballast.worker.move.ExtentMover;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Punches out of an image every byte the layout proves holds nothing: the gaps between partitions and after the
 * last one (outside the table's own sectors), the free blocks of ext filesystems (from their block bitmaps) and the
 * contents of swap areas (past the header page). The image keeps its size; what reads as zeros stops taking space on
 * the datastore.
 *
 * <p>What lies before the first partition is never punched: the gap after the MBR (or after a GPT's entries) is
 * where boot loaders put their code (GRUB's core.img), and nothing in a table says it is free. NTFS, XFS and unknown
 * contents are left as they are.
 */
public final class Sparsifier {

    private static final int BLOCK_BYTES = 4096;
    private static final int ZERO_SCAN_BYTES = 1 << 20;

    /** A swap header fits in the first page, and pages are at most 64 KiB. */
    private static final long SWAP_HEADER_BYTES = 64 << 10;

    /** What was punched, by where it came from. */
    public record Result(long gapBytes, long freeFilesystemBytes, long swapBytes) {
        public long totalBytes() {
            return gapBytes + freeFilesystemBytes + swapBytes;
        }
    }

    private Sparsifier() {}

    /** Punches the unused space of the disk in {@code data}, {@code diskBytes} long. */
    public static Result punch(Path data, long diskBytes, ExtentMover.Progress progress)
            throws ImageException, IOException {
        PartitionTable table;
        List<ByteRange> free = new ArrayList<>();
        List<ByteRange> swap = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(data, StandardOpenOption.READ)) {
            table = PartitionTables.read(channel, diskBytes);
            // a table Ballast does not read would leave its slices looking like gaps
            DiskLabels.requireAgreement(data, channel, table.scheme());
            for (Partition partition : table.partitions()) {
                ByteRange range = partition.range();
                switch (Filesystems.detect(channel, range.startBytes())) {
                    case EXT ->
                        free.addAll(FilesystemTools.extFreeRanges(data, range.startBytes()).stream()
                                .filter(range::contains)
                                .toList());
                    case SWAP -> {
                        if (range.lengthBytes() > SWAP_HEADER_BYTES) {
                            swap.add(new ByteRange(range.startBytes() + SWAP_HEADER_BYTES, range.endBytes()));
                        }
                    }
                    default -> {}
                }
            }
        }
        List<ByteRange> gaps = gaps(table, diskBytes);
        long total = ByteRanges.totalBytes(gaps) + ByteRanges.totalBytes(free) + ByteRanges.totalBytes(swap);
        long done = 0;
        try (Fd fd = Fd.readWrite(data)) {
            for (List<ByteRange> ranges : List.of(gaps, free, swap)) {
                for (ByteRange range : ranges) {
                    if (fd.dataBytes(range.startBytes(), range.endBytes()) > 0) {
                        fd.punchHole(range.startBytes(), range.lengthBytes());
                    }
                    done += range.lengthBytes();
                    progress.moved(done, total);
                }
            }
            fd.fsync();
        }
        return new Result(ByteRanges.totalBytes(gaps), ByteRanges.totalBytes(free), ByteRanges.totalBytes(swap));
    }

    /**
     * Punches the 4 KiB blocks of {@code ranges} that read as zeros, then syncs: what a tool wrote as zeros (resize2fs
     * writes whole inode tables) stops taking space, and reads the same. Returns the bytes punched.
     */
    public static long punchZeros(Fd fd, List<ByteRange> ranges) throws IOException {
        long punched = 0;
        ByteBuffer buffer = ByteBuffer.allocateDirect(ZERO_SCAN_BYTES);
        try (FileChannel channel = FileChannel.open(fd.path(), StandardOpenOption.READ)) {
            for (ByteRange range : ranges) {
                long start = Math.ceilDiv(range.startBytes(), BLOCK_BYTES) * BLOCK_BYTES;
                long end = Math.floorDiv(range.endBytes(), BLOCK_BYTES) * BLOCK_BYTES;
                long runStart = -1;
                for (long at = start; at < end; at += buffer.capacity()) {
                    int length = (int) Math.min(buffer.capacity(), end - at);
                    buffer.clear().limit(length);
                    while (buffer.hasRemaining()) {
                        if (channel.read(buffer, at + buffer.position()) < 0) {
                            throw new IOException(
                                    fd.path() + " ends at " + (at + buffer.position()) + ", inside " + range);
                        }
                    }
                    for (int block = 0; block < length; block += BLOCK_BYTES) {
                        boolean zero = isZero(buffer, block);
                        long blockAt = at + block;
                        if (zero && runStart < 0) {
                            runStart = blockAt;
                        } else if (!zero && runStart >= 0) {
                            fd.punchHole(runStart, blockAt - runStart);
                            punched += blockAt - runStart;
                            runStart = -1;
                        }
                    }
                }
                if (runStart >= 0) {
                    fd.punchHole(runStart, end - runStart);
                    punched += end - runStart;
                }
            }
        }
        fd.fsync();
        return punched;
    }

    private static boolean isZero(ByteBuffer buffer, int offset) {
        for (int i = offset; i < offset + BLOCK_BYTES; i += Long.BYTES) {
            if (buffer.getLong(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Bytes the file {@code data} takes on its filesystem. */
    public static long allocatedBytes(Path data) throws IOException {
        return Fd.stat(data).allocatedBytes();
    }

    /**
     * The bytes of {@code [0, diskBytes)} the layout proves unused: from the first partition's start on, what
     * neither the table nor a partition occupies. Nothing before the first partition, and nothing at all on a disk
     * without partitions.
     */
    static List<ByteRange> gaps(PartitionTable table, long diskBytes) {
        if (table.partitions().isEmpty()) {
            return List.of();
        }
        long firstStart = table.partitions().stream()
                .mapToLong(p -> p.range().startBytes())
                .min()
                .orElseThrow();
        List<ByteRange> used = new ArrayList<>(table.tableRanges());
        table.partitions().forEach(p -> used.add(p.range()));
        used.add(new ByteRange(0, firstStart));
        return ByteRanges.subtract(List.of(new ByteRange(0, diskBytes)), used);
    }
}
