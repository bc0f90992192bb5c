package io.ballast.worker.resize;

import io.ballast.worker.filesystem.FilesystemTools.SwapIdentity;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.filesystem.NtfsBootSector.NtfsGeometry;
import io.ballast.worker.image.Partition;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A partition as a resize sees it before it begins: its filesystem, how much of it is used and how small it could
 * become (when the filesystem is one Ballast resizes), and what a later step must restore.
 *
 * @param logical an MBR logical partition (its EBR goes before it)
 * @param blockBytes an ext filesystem's block size, else 0 (it decides how a cut-off ext step is undone)
 * @param swap a swap area's UUID and label, re-created with it
 * @param ntfsGeometry the CHS geometry an NTFS boot sector had, put back after ntfsresize
 */
public record PartitionInfo(
        Partition partition,
        Filesystems.Kind filesystem,
        OptionalLong usedBytes,
        OptionalLong minimumBytes,
        boolean logical,
        long blockBytes,
        Optional<SwapIdentity> swap,
        Optional<NtfsGeometry> ntfsGeometry) {

    /** A partition whose filesystem was not measured: it only moves, or holds nothing Ballast resizes. */
    static PartitionInfo unmeasured(
            Partition partition, Filesystems.Kind filesystem, boolean logical, Optional<NtfsGeometry> ntfsGeometry) {
        return new PartitionInfo(
                partition,
                filesystem,
                OptionalLong.empty(),
                OptionalLong.empty(),
                logical,
                0,
                Optional.empty(),
                ntfsGeometry);
    }

    public int number() {
        return partition.number();
    }
}
