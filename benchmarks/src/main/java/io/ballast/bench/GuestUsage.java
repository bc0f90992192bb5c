package io.ballast.bench;

import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;

/**
 * A simulated guest's usage report, as its agent sends it on {@code ballast.guest.telemetry.v1} (keyed by the VM): one
 * filesystem, mounted at {@code /}, on the disk whose serial the hypervisor gives, named as the guest names it.
 */
public final class GuestUsage {

    private static final String ROOT = "/";

    private GuestUsage() {}

    /**
     * The guest's name for the disk of {@code serial}: its {@code /dev/disk/by-id} name, which ends in the serial, so
     * inventory, the gateway and the reservation service match it to the disk.
     */
    public static String diskName(String serial) {
        return "virtio-" + serial;
    }

    /**
     * {@code vmId}'s report of its root filesystem on the disk of {@code serial}: {@code totalBytes} large, {@code
     * usedBytes} used by the guest, a ballast of {@code ballastBytes}, and what remains free.
     */
    public static UsageReported root(String vmId, String serial, long totalBytes, long usedBytes, long ballastBytes) {
        return UsageReported.newBuilder()
                .setVmId(vmId)
                .addFilesystems(FilesystemUsage.newBuilder()
                        .setMountPoint(ROOT)
                        .setDiskId(diskName(serial))
                        .setTotalBytes(totalBytes)
                        .setUtilizedBytes(usedBytes)
                        .setFreeBytes(Math.max(0, totalBytes - usedBytes - ballastBytes))
                        .setBallastBytes(ballastBytes))
                .build();
    }
}
