package io.ballast.agent.device;

import java.nio.file.Path;

/**
 * A mounted filesystem as {@code /proc/self/mountinfo} describes it.
 *
 * @param deviceMajor major number of the device the kernel reports for the mount ({@code 0} for filesystems not on
 *     a block device, and for btrfs)
 * @param source what was mounted, e.g. {@code /dev/vda1} or {@code server:/export}
 */
public record MountPoint(
        Path mountPoint, int deviceMajor, int deviceMinor, String filesystemType, String source, boolean readOnly) {

    /** {@code major:minor}, as sysfs names block devices under {@code /sys/dev/block}. */
    public String deviceNumber() {
        return deviceMajor + ":" + deviceMinor;
    }
}
