package io.ballast.worker.scan;

import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.Partition;
import io.ballast.worker.image.PartitionTable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * What {@code ./ballast image scan} reports: the container, the partition table, and per partition its place, type,
 * filesystem, use, minimum size and alignment. Reads only.
 */
public final class ImageScan {

    /** Alignment is reported up to this; anything on a 1 MiB boundary is as good as it gets. */
    public static final long ALIGNMENT_CAP_BYTES = 1L << 20;

    public static final long GOOD_ALIGNMENT_BYTES = 64L << 10;
    public static final long MINIMAL_ALIGNMENT_BYTES = 4L << 10;

    /** One partition: {@code usedBytes} and {@code minimumBytes} are known for ext filesystems only. */
    public record PartitionReport(
            int number,
            long startBytes,
            long sizeBytes,
            String type,
            Filesystems.Kind filesystem,
            OptionalLong usedBytes,
            OptionalLong minimumBytes,
            long alignmentBytes) {}

    public record Report(
            Path image,
            String container,
            long diskBytes,
            PartitionTable.Scheme scheme,
            List<PartitionReport> partitions) {

        /** Like virt-alignment-scan: 0 every partition on 64 KiB or better, 3 any under 4 KiB, 2 otherwise. */
        public int alignmentExitCode() {
            long worst = partitions.stream()
                    .mapToLong(PartitionReport::alignmentBytes)
                    .min()
                    .orElse(ALIGNMENT_CAP_BYTES);
            if (worst < MINIMAL_ALIGNMENT_BYTES) {
                return 3;
            }
            return worst < GOOD_ALIGNMENT_BYTES ? 2 : 0;
        }
    }

    private ImageScan() {}

    public static Report scan(Path image) throws ImageException, IOException {
        DiskLayout layout = DiskLayout.read(image);
        List<PartitionReport> partitions = new ArrayList<>();
        try (FileChannel disk = FileChannel.open(layout.container().data(), StandardOpenOption.READ)) {
            for (Partition partition : layout.table().partitions()) {
                long start = partition.range().startBytes();
                Filesystems.Kind kind = Filesystems.detect(disk, start);
                OptionalLong used = OptionalLong.empty();
                OptionalLong minimum = OptionalLong.empty();
                if (kind == Filesystems.Kind.EXT) {
                    Filesystems.ExtUsage usage =
                            Filesystems.extUsage(layout.container().data(), start);
                    used = OptionalLong.of(usage.usedBytes());
                    minimum = OptionalLong.of(usage.minimumBytes());
                }
                partitions.add(new PartitionReport(
                        partition.number(),
                        start,
                        partition.range().lengthBytes(),
                        partition.type(),
                        kind,
                        used,
                        minimum,
                        alignment(start)));
            }
        }
        return new Report(
                image,
                containerName(layout.container()),
                layout.diskBytes(),
                layout.table().scheme(),
                partitions);
    }

    /** The largest power of two that divides {@code startBytes}, up to {@link #ALIGNMENT_CAP_BYTES}. */
    static long alignment(long startBytes) {
        return startBytes == 0 ? ALIGNMENT_CAP_BYTES : Math.min(Long.lowestOneBit(startBytes), ALIGNMENT_CAP_BYTES);
    }

    private static String containerName(Container container) {
        return switch (container) {
            case Container.Raw raw -> "raw";
            case Container.BlockDevice device -> "block device";
            case Container.VmdkFlat flat -> "vmdk monolithicFlat (" + flat.data() + ")";
        };
    }
}
