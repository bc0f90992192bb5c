package io.ballast.worker.resize;

import io.ballast.linux.Syscalls;
import io.ballast.worker.filesystem.FilesystemTools;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.Partition;
import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.image.PartitionTables;
import io.ballast.worker.move.ExtentMover;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Punches out of an image every byte that holds nothing: space outside the table and the partitions, the free
 * blocks of ext filesystems (from their block bitmaps) and the contents of swap areas (past the header page). The
 * image keeps its size; what reads as zeros stops taking space on the datastore. NTFS, XFS and unknown contents are
 * left as they are.
 */
public final class Sparsifier {

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
        long total = sum(gaps) + sum(free) + sum(swap);
        long[] done = {0};
        int fd = Syscalls.open(data, Syscalls.O_RDWR | Syscalls.O_CLOEXEC, 0);
        try {
            for (List<ByteRange> ranges : List.of(gaps, free, swap)) {
                for (ByteRange range : ranges) {
                    if (Syscalls.dataBytes(fd, range.startBytes(), range.endBytes()) > 0) {
                        Syscalls.punchHole(fd, range.startBytes(), range.lengthBytes());
                    }
                    done[0] += range.lengthBytes();
                    progress.moved(done[0], total);
                }
            }
            Syscalls.fsync(fd);
        } finally {
            Syscalls.close(fd);
        }
        return new Result(sum(gaps), sum(free), sum(swap));
    }

    /** Bytes the file {@code data} takes on its filesystem. */
    public static long allocatedBytes(Path data) throws IOException {
        return ImageResize.stat(data).allocatedBytes();
    }

    /** Everything in {@code [0, diskBytes)} that neither the table nor a partition occupies. */
    static List<ByteRange> gaps(PartitionTable table, long diskBytes) {
        List<ByteRange> used = new ArrayList<>(table.tableRanges());
        table.partitions().forEach(p -> used.add(p.range()));
        used.sort(Comparator.comparingLong(ByteRange::startBytes));
        List<ByteRange> gaps = new ArrayList<>();
        long cursor = 0;
        for (ByteRange range : used) {
            if (range.startBytes() > cursor) {
                gaps.add(new ByteRange(cursor, Math.min(range.startBytes(), diskBytes)));
            }
            cursor = Math.max(cursor, range.endBytes());
        }
        if (cursor < diskBytes) {
            gaps.add(new ByteRange(cursor, diskBytes));
        }
        return gaps;
    }

    private static long sum(List<ByteRange> ranges) {
        return ranges.stream().mapToLong(ByteRange::lengthBytes).sum();
    }
}
