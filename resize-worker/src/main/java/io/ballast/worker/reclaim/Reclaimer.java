package io.ballast.worker.reclaim;

import io.ballast.linux.Fd;
import io.ballast.linux.SyscallException;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ByteRanges;
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
        try (Fd fd = Fd.readWrite(plan.container().data())) {
            long backedBefore = fd.stat().allocatedBytes();
            long backedInRanges = backedIn(plan, fd);
            long done = 0;
            for (ByteRange range : plan.ranges()) {
                fd.punchHole(range.startBytes(), range.lengthBytes());
                done += range.lengthBytes();
                progress.reclaimed(done, plan.totalBytes());
            }
            fd.fsync();
            return new ReclaimResult(backedBefore, fd.stat().allocatedBytes(), backedInRanges, plan.totalBytes());
        } catch (SyscallException e) {
            throw new IOException("reclaiming " + image + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * What a reclaim of the ranges would find, changing nothing: the image's allocation (before and after alike) and
     * the bytes inside the ranges that hold data now. The tamper check of ranges reclaimed before.
     */
    public ReclaimResult measure(Path image, List<ByteRange> ranges) throws ImageException, IOException {
        Plan plan = plan(image, ranges);
        try (Fd fd = Fd.readOnly(plan.container().data())) {
            long allocated = fd.stat().allocatedBytes();
            return new ReclaimResult(allocated, allocated, backedIn(plan, fd), plan.totalBytes());
        } catch (SyscallException e) {
            throw new IOException("reading " + image + " failed: " + e.getMessage(), e);
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
            throw new ImageException.Refused(image + " is a block device: the host reclaims from image files; a block"
                    + " device's space goes back through the guest (BLKDISCARD, with discard enabled in the"
                    + " hypervisor)");
        }
        DiskLayout layout = DiskLayout.read(image);
        List<ByteRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(ByteRange::startBytes));
        for (ByteRange range : sorted) {
            check(range, layout.diskBytes(), layout.table());
        }
        return new Plan(container, layout.diskBytes(), ByteRanges.merge(sorted));
    }

    private static void check(ByteRange range, long diskBytes, PartitionTable table) throws ImageException {
        if (range.lengthBytes() == 0) {
            throw new ImageException.Refused("range " + range + " is empty");
        }
        if (range.startBytes() % ALIGNMENT != 0 || range.endBytes() % ALIGNMENT != 0) {
            throw new ImageException.Refused("range " + range + " is not aligned to " + ALIGNMENT + "-byte sectors");
        }
        if (range.endBytes() > diskBytes) {
            throw new ImageException.Refused("range " + range + " ends past the disk's " + diskBytes + " bytes");
        }
        for (ByteRange tableRange : table.tableRanges()) {
            if (range.overlaps(tableRange)) {
                throw new ImageException.Refused("range " + range + " overlaps the partition table at " + tableRange);
            }
        }
        for (Partition partition : table.partitions()) {
            if (partition.range().contains(range)) {
                return;
            }
        }
        throw new ImageException.Refused("range " + range + " is not inside any partition");
    }

    /**
     * Bytes holding data inside the ranges, counted over the image file's whole blocks only: where a range starts or
     * ends inside a block of the host filesystem (a guest with 1 KiB blocks on a host with 4 KiB ones), punching
     * zeroes that part but cannot free the block, so it would look backed without the guest having written there.
     */
    private static long backedIn(Plan plan, Fd fd) throws SyscallException {
        long block = Math.max(PartitionTables.SECTOR_BYTES, fd.usage().blockSizeBytes());
        long bytes = 0;
        for (ByteRange range : plan.ranges()) {
            long start = Math.ceilDiv(range.startBytes(), block) * block;
            long end = Math.floorDiv(range.endBytes(), block) * block;
            if (start < end) {
                bytes += fd.dataBytes(start, end);
            }
        }
        return bytes;
    }
}
