package io.ballast.agent.device;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the virtual disk and partition under a mounted filesystem through sysfs: {@code /sys/dev/block/M:m} for the
 * device, {@code /sys/class/block/<name>/start} for a partition's first sector, the disk's serial (or its
 * {@code /dev/disk/by-id} name) for its identity. Layouts whose device offsets are not the disk's (device-mapper,
 * md, btrfs, network and memory filesystems) are {@link DiskLocation.Unmappable}: never a guessed range.
 */
public final class BlockDevices {

    /** Filesystems whose FIEMAP physical offsets are byte offsets on their one block device. */
    private static final Set<String> DEVICE_OFFSET_FILESYSTEMS = Set.of("ext2", "ext3", "ext4", "xfs");

    private static final Set<String> NETWORK_FILESYSTEMS =
            Set.of("nfs", "nfs4", "cifs", "smb3", "9p", "virtiofs", "ceph", "glusterfs", "fuse", "fuseblk");

    private static final long SECTOR_BYTES = 512;

    private final Path sys;
    private final Path dev;

    /** Reads {@code sys} as sysfs and {@code dev} as /dev (roots are parameters so tests can give other trees). */
    public BlockDevices(Path sys, Path dev) {
        this.sys = sys;
        this.dev = dev;
    }

    public static BlockDevices ofThisSystem() {
        return new BlockDevices(Path.of("/sys"), Path.of("/dev"));
    }

    public DiskLocation locate(MountPoint mount) throws IOException {
        String type = mount.filesystemType();
        if (type.equals("btrfs")) {
            return unmappable("btrfs maps file blocks through its own chunk tree, not to device offsets");
        }
        if (NETWORK_FILESYSTEMS.contains(type) || type.startsWith("fuse.") || type.startsWith("nfs")) {
            return unmappable("network or user-space filesystem " + type + " has no local block device");
        }
        if (!DEVICE_OFFSET_FILESYSTEMS.contains(type)) {
            return unmappable("filesystem type " + type + " is not one whose block offsets are device offsets (ext2,"
                    + " ext3, ext4, xfs)");
        }
        Path node = sys.resolve("dev/block").resolve(mount.deviceNumber());
        if (!Files.exists(node)) {
            return unmappable("device " + mount.deviceNumber() + " of " + mount.source() + " is not a block device");
        }
        Path device = node.toRealPath();
        String name = device.getFileName().toString();
        Optional<String> layered = layered(name);
        if (layered.isPresent()) {
            return unmappable(layered.get());
        }
        Path classDevice = sys.resolve("class/block").resolve(name);
        boolean partition = Files.exists(classDevice.resolve("partition"));
        String disk = partition ? device.getParent().getFileName().toString() : name;
        if (partition) {
            layered = layered(disk);
            if (layered.isPresent()) {
                return unmappable(layered.get());
            }
        }
        long start = partition ? readLong(classDevice.resolve("start")) * SECTOR_BYTES : 0;
        long size = readLong(classDevice.resolve("size")) * SECTOR_BYTES;
        Optional<String> diskId = identity(disk);
        if (diskId.isEmpty()) {
            return unmappable("disk " + disk + " has no serial and no /dev/disk/by-id name to tell the host which"
                    + " virtual disk it is");
        }
        return new DiskLocation.Mapped(name, disk, diskId.get(), start, size);
    }

    /** Why a device stacked on other devices cannot be mapped, if it is one. */
    private Optional<String> layered(String name) throws IOException {
        if (name.startsWith("dm-")) {
            Path dmName = sys.resolve("class/block").resolve(name).resolve("dm/name");
            String label = Files.exists(dmName) ? Files.readString(dmName).strip() : name;
            return Optional.of("device-mapper device " + label + " (LVM, dm-crypt, multipath) does not keep the"
                    + " virtual disk's offsets");
        }
        if (name.startsWith("md")) {
            return Optional.of("md RAID device " + name + " spreads its blocks over its member disks");
        }
        return Optional.empty();
    }

    /** The disk's serial (virtio-blk, NVMe, SCSI), else its /dev/disk/by-id name, else a loop device's backing file. */
    private Optional<String> identity(String disk) throws IOException {
        Path block = sys.resolve("class/block").resolve(disk);
        for (Path serial : List.of(block.resolve("serial"), block.resolve("device/serial"))) {
            if (Files.isRegularFile(serial)) {
                String value = Files.readString(serial).strip();
                if (!value.isEmpty()) {
                    return Optional.of(value);
                }
            }
        }
        Optional<String> byId = byIdName(disk);
        if (byId.isPresent()) {
            return byId;
        }
        Path backingFile = block.resolve("loop/backing_file");
        if (Files.isRegularFile(backingFile)) {
            return Optional.of(Files.readString(backingFile).strip());
        }
        return Optional.empty();
    }

    private Optional<String> byIdName(String disk) throws IOException {
        Path byId = dev.resolve("disk/by-id");
        if (!Files.isDirectory(byId)) {
            return Optional.empty();
        }
        Path target = dev.resolve(disk);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> links = Files.newDirectoryStream(byId)) {
            for (Path link : links) {
                if (Files.isSymbolicLink(link)
                        && byId.resolve(Files.readSymbolicLink(link))
                                .normalize()
                                .equals(target)) {
                    names.add(link.getFileName().toString());
                }
            }
        }
        return names.stream().sorted().findFirst();
    }

    private static long readLong(Path file) throws IOException {
        String text = Files.readString(file).strip();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds '" + text + "', not a number", e);
        }
    }

    private static DiskLocation unmappable(String reason) {
        return new DiskLocation.Unmappable(reason);
    }
}
