package io.ballast.worker.image;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A disk image as Ballast reads it: its container, the virtual disk's size and its partition table. */
public record DiskLayout(Container container, long diskBytes, PartitionTable table) {

    /**
     * Reads {@code image}: detects the container, checks a VMDK's flat extent against its descriptor, reads the
     * table, and has libblkid confirm it ({@link DiskLabels}).
     *
     * @throws ImageException.Refused when the container or the table is not one Ballast can work on
     */
    public static DiskLayout read(Path image) throws ImageException, IOException {
        Container container = Containers.detect(image);
        try (FileChannel channel = FileChannel.open(container.data(), StandardOpenOption.READ)) {
            long dataBytes = channel.size();
            long diskBytes = dataBytes;
            if (container instanceof Container.VmdkFlat flat) {
                diskBytes = flat.sectors() * PartitionTables.SECTOR_BYTES;
                if (dataBytes < diskBytes) {
                    throw new ImageException.Refused("VMDK extent " + flat.data() + " is " + dataBytes
                            + " bytes, shorter than the " + diskBytes + " bytes its descriptor declares");
                }
            }
            PartitionTable table = PartitionTables.read(channel, diskBytes);
            DiskLabels.requireAgreement(container.data(), channel, table.scheme());
            return new DiskLayout(container, diskBytes, table);
        }
    }
}
