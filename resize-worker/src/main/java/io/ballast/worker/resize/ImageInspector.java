package io.ballast.worker.resize;

import io.ballast.linux.Fd;
import io.ballast.linux.Syscalls;
import io.ballast.worker.filesystem.FilesystemTools;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.filesystem.NtfsBootSector;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.Partition;
import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.image.TableSnapshot;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads what a resize is planned from, changing nothing: the layout, each partition's filesystem (ext checked with
 * {@code e2fsck -fn} and measured, NTFS measured on a read-only loop device and its boot sector checked, swap's
 * identity) and a snapshot of the table's own sectors. Every ext and XFS superblock's own size is read and must fit
 * its partition. Only filesystems the request may resize are checked and measured (those it names, or all with a
 * free ratio): a partition that only moves is moved byte for byte, whatever its filesystem holds.
 */
public final class ImageInspector {

    /** Smallest swap area mkswap makes: ten 4 KiB pages. */
    static final long SWAP_MINIMUM_BYTES = 10 * 4096;

    /** An image as a resize found it. */
    public record Inspection(DiskLayout layout, List<PartitionInfo> partitions, TableSnapshot snapshot) {
        public Inspection {
            partitions = List.copyOf(partitions);
        }
    }

    private ImageInspector() {}

    /**
     * @throws ImageException.Refused when the image, its table or a filesystem is not one Ballast works on (an ext
     *     filesystem e2fsck finds problems in included)
     */
    public static Inspection inspect(Path image, ResizeOptions options) throws ImageException, IOException {
        DiskLayout layout = DiskLayout.read(image);
        Path data = layout.container().data();
        PartitionTable table = layout.table();
        List<PartitionInfo> partitions = new ArrayList<>();
        TableSnapshot snapshot;
        try (FileChannel disk = FileChannel.open(data, StandardOpenOption.READ)) {
            for (Partition partition : table.partitions()) {
                boolean measured =
                        options.freeRatio().isPresent() || options.targetBytes().containsKey(partition.number());
                partitions.add(inspect(data, disk, table, partition, measured));
            }
            snapshot = TableSnapshot.of(disk, layout.diskBytes(), table);
        }
        return new Inspection(layout, partitions, snapshot);
    }

    private static PartitionInfo inspect(
            Path data, FileChannel disk, PartitionTable table, Partition partition, boolean measured)
            throws ImageException, IOException {
        long start = partition.range().startBytes();
        long length = partition.range().lengthBytes();
        Filesystems.Kind kind = Filesystems.detect(disk, start);
        boolean logical = table.scheme() == PartitionTable.Scheme.MBR && partition.number() >= 5;
        // a filesystem reaching past its partition keeps bytes there that moving or resizing the partition would leave
        // behind or overwrite, whether or not this request resizes it
        OptionalLong declared = Filesystems.declaredBytes(disk, start, kind);
        if (declared.isPresent() && declared.getAsLong() > length) {
            throw new ImageException.Refused("partition " + partition.number() + ": its " + kind.label()
                    + " filesystem is " + declared.getAsLong() + " bytes, larger than the partition's " + length
                    + "; the table or the filesystem is damaged");
        }
        if (!measured && (kind == Filesystems.Kind.EXT || kind == Filesystems.Kind.NTFS)) {
            Optional<NtfsBootSector.NtfsGeometry> geometry = kind == Filesystems.Kind.NTFS
                    ? Optional.of(NtfsBootSector.read(disk, start, length).geometry())
                    : Optional.empty();
            return PartitionInfo.unmeasured(partition, kind, logical, geometry);
        }
        return switch (kind) {
            case EXT -> {
                Optional<String> problems = FilesystemTools.extProblems(data, start);
                if (problems.isPresent()) {
                    throw new ImageException.Refused("partition " + partition.number() + ": e2fsck -fn finds"
                            + " problems; repair the filesystem (e2fsck -f) before resizing: " + problems.get());
                }
                Filesystems.ExtUsage usage = Filesystems.extUsage(data, start);
                yield new PartitionInfo(
                        partition,
                        kind,
                        OptionalLong.of(usage.usedBytes()),
                        OptionalLong.of(usage.minimumBytes()),
                        logical,
                        usage.blockBytes(),
                        Optional.empty(),
                        Optional.empty());
            }
            case NTFS -> {
                NtfsBootSector boot = NtfsBootSector.read(disk, start, length);
                long minimum;
                try (Fd fd = Fd.readOnly(data);
                        Syscalls.LoopDevice loop = fd.attachLoop(start, length, true)) {
                    minimum = FilesystemTools.ntfsMinimum(loop.path());
                }
                yield new PartitionInfo(
                        partition,
                        kind,
                        OptionalLong.of(minimum),
                        OptionalLong.of(minimum),
                        logical,
                        0,
                        Optional.empty(),
                        Optional.of(boot.geometry()));
            }
            case SWAP ->
                new PartitionInfo(
                        partition,
                        kind,
                        OptionalLong.empty(),
                        OptionalLong.of(SWAP_MINIMUM_BYTES),
                        logical,
                        0,
                        Optional.of(FilesystemTools.swapIdentity(disk, start)),
                        Optional.empty());
            default -> PartitionInfo.unmeasured(partition, kind, logical, Optional.empty());
        };
    }
}
