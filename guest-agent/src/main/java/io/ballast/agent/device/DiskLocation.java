package io.ballast.agent.device;

/** Where a filesystem's device offsets are on a virtual disk, or why that cannot be said exactly. */
public sealed interface DiskLocation {

    /**
     * The filesystem sits on {@code partitionDevice} (or directly on {@code disk}), which starts at
     * {@code partitionStartBytes} of the virtual disk {@code diskId}.
     *
     * @param partitionDevice kernel name of the filesystem's device, e.g. {@code vda1}
     * @param disk kernel name of the whole disk, e.g. {@code vda}
     * @param diskId the disk's identity as the host knows it: its serial, else its {@code /dev/disk/by-id} name
     * @param partitionSizeBytes size of the partition (of the disk, if unpartitioned)
     */
    record Mapped(String partitionDevice, String disk, String diskId, long partitionStartBytes, long partitionSizeBytes)
            implements DiskLocation {}

    /** The filesystem's blocks cannot be mapped to one virtual disk's byte ranges exactly; says why. */
    record Unmappable(String reason) implements DiskLocation {}
}
