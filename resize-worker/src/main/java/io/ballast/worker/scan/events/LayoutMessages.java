package io.ballast.worker.scan.events;

import io.ballast.proto.worker.v1.DiskLayout;
import io.ballast.proto.worker.v1.PartitionLayout;
import io.ballast.worker.scan.ImageScan;

/** A scan's report as the contract's {@link DiskLayout}: what inventory records of a disk's partitions. */
public final class LayoutMessages {

    private LayoutMessages() {}

    public static DiskLayout of(ImageScan.Report report) {
        DiskLayout.Builder layout = DiskLayout.newBuilder()
                .setTable(report.scheme().name())
                .setDiskBytes(report.diskBytes())
                .setAlignmentStatus(report.alignmentExitCode());
        for (ImageScan.PartitionReport partition : report.partitions()) {
            PartitionLayout.Builder message = PartitionLayout.newBuilder()
                    .setNumber(partition.number())
                    .setStartBytes(partition.startBytes())
                    .setSizeBytes(partition.sizeBytes())
                    .setType(partition.type())
                    .setFilesystem(partition.filesystem().label())
                    .setAlignmentBytes(partition.alignmentBytes());
            partition.usedBytes().ifPresent(message::setUsedBytes);
            partition.minimumBytes().ifPresent(message::setMinimumBytes);
            layout.addPartitions(message);
        }
        return layout.build();
    }
}
