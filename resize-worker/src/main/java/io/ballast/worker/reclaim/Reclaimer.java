package io.ballast.worker.reclaim;

import io.ballast.linux.SyscallException;
import io.ballast.linux.Syscalls;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.Containers;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.Partition;
import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.image.PartitionTables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Takes a ballast's blocks back from a running VM's backing image: punches the given virtual-disk byte ranges out of
 * a raw or VMDK flat file ({@code fallocate PUNCH_HOLE|KEEP_SIZE}). Every range is checked before anything changes:
 * inside the image, not on the partition table, inside one partition, sector-aligned. The guest reads zeros from
 * those ranges afterwards, which is what a ballast's blocks held for it anyway. Block devices and sparse formats are
 * refused: their space goes back through the guest's discard path.
 */
public final class Reclaimer {

    /** Told how far a reclaim is, after each range. */
    @FunctionalInterface
    public interface Progress {
        void reclaimed(long doneBytes, long totalBytes);

        Progress NONE = (done, total) -> {};
    }

    private static final long ALIGNMENT = PartitionTables.SECTOR_BYTES;

    /** Punches or discards the ranges; the image keeps its size. */
    public ReclaimResult reclaim(Path image, List<ByteRange> ranges, Progress progress)
            throws ImageException, IOException {
        Plan plan = plan(image, ranges);
        int fd = open(plan.container().data(), Syscalls.O_RDWR);
        try {
            long backedBefore = backed(fd);
            long backedInRanges = backedIn(plan, fd);
            long done = 0;
            for (ByteRange range : plan.ranges()) {
                Syscalls.punchHole(fd, range.startBytes(), range.lengthBytes());
                done += range.lengthBytes();
                progress.reclaimed(done, plan.totalBytes());
            }
            Syscalls.fsync(fd);
            return new ReclaimResult(backedBefore, backed(fd), backedInRanges, plan.totalBytes());
        } catch (SyscallException e) {
            throw new IOException("reclaiming " + image + " failed: " + e.getMessage(), e);
        } finally {
            closeQuietly(fd);
        }
    }

    /** Bytes inside the ranges that hold data now, changing nothing: the tamper check after a reclaim. */
    public long backedInRanges(Path image, List<ByteRange> ranges) throws ImageException, IOException {
        Plan plan = plan(image, ranges);
        int fd = open(plan.container().data(), Syscalls.O_RDONLY);
        try {
            return backedIn(plan, fd);
        } catch (SyscallException e) {
            throw new IOException("reading " + image + " failed: " + e.getMessage(), e);
        } finally {
            closeQuietly(fd);
        }
    }

    /** The container, the disk size, and the ranges sorted and merged, all checked. */
    record Plan(Container container, long diskBytes, List<ByteRange> ranges) {
        long totalBytes() {
            return ranges.stream().mapToLong(ByteRange::lengthBytes).sum();
        }
    }

    static Plan plan(Path image, List<ByteRange> ranges) throws ImageException, IOException {
        Container container = Containers.detect(image);
        if (container instanceof Container.BlockDevice) {
            throw new ImageException(image + " is a block device: the host reclaims from image files; a block"
                    + " device's space goes back through the guest (BLKDISCARD, with discard enabled in the"
                    + " hypervisor)");
        }
        DiskLayout layout = DiskLayout.read(image);
        List<ByteRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(ByteRange::startBytes));
        for (ByteRange range : sorted) {
            check(range, layout.diskBytes(), layout.table());
        }
        return new Plan(container, layout.diskBytes(), merge(sorted));
    }

    private static void check(ByteRange range, long diskBytes, PartitionTable table) throws ImageException {
        if (range.lengthBytes() == 0) {
            throw new ImageException("range " + range + " is empty");
        }
        if (range.startBytes() % ALIGNMENT != 0 || range.endBytes() % ALIGNMENT != 0) {
            throw new ImageException("range " + range + " is not aligned to " + ALIGNMENT + "-byte sectors");
        }
        if (range.endBytes() > diskBytes) {
            throw new ImageException("range " + range + " ends past the disk's " + diskBytes + " bytes");
        }
        for (ByteRange tableRange : table.tableRanges()) {
            if (range.overlaps(tableRange)) {
                throw new ImageException("range " + range + " overlaps the partition table at " + tableRange);
            }
        }
        for (Partition partition : table.partitions()) {
            if (partition.range().contains(range)) {
                return;
            }
        }
        throw new ImageException("range " + range + " is not inside any partition");
    }

    private static List<ByteRange> merge(List<ByteRange> sorted) {
        List<ByteRange> merged = new ArrayList<>();
        for (ByteRange range : sorted) {
            if (!merged.isEmpty() && merged.getLast().endBytes() >= range.startBytes()) {
                ByteRange last = merged.removeLast();
                merged.add(new ByteRange(last.startBytes(), Math.max(last.endBytes(), range.endBytes())));
            } else {
                merged.add(range);
            }
        }
        return merged;
    }

    /** Allocated bytes of the image file. */
    private static long backed(int fd) throws SyscallException {
        return Syscalls.stat(fd).allocatedBytes();
    }

    /**
     * Bytes holding data inside the ranges, counted over the image file's whole blocks only: where a range starts or
     * ends inside a block of the host filesystem (a guest with 1 KiB blocks on a host with 4 KiB ones), punching
     * zeroes that part but cannot free the block, so it would look backed without the guest having written there.
     */
    private static long backedIn(Plan plan, int fd) throws SyscallException {
        long block = Math.max(PartitionTables.SECTOR_BYTES, Syscalls.usage(fd).blockSizeBytes());
        long bytes = 0;
        for (ByteRange range : plan.ranges()) {
            long start = Math.ceilDiv(range.startBytes(), block) * block;
            long end = Math.floorDiv(range.endBytes(), block) * block;
            if (start < end) {
                bytes += Syscalls.dataBytes(fd, start, end);
            }
        }
        return bytes;
    }

    private static int open(Path data, int mode) throws IOException {
        try {
            return Syscalls.open(data, mode | Syscalls.O_CLOEXEC, 0);
        } catch (SyscallException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            Syscalls.close(fd);
        } catch (SyscallException e) {
            // The data was made durable with fsync before; a failed close loses nothing.
        }
    }
}
