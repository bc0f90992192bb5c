package io.ballast.agent.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sysfs layouts of real kernels, as directory trees, for the cases a test machine does not have. */
class BlockDevicesTest {

    @TempDir
    Path root;

    private Path sys;
    private Path dev;
    private BlockDevices devices;

    @BeforeEach
    void roots() throws IOException {
        sys = Files.createDirectories(root.resolve("sys"));
        dev = Files.createDirectories(root.resolve("dev"));
        Files.createDirectories(sys.resolve("dev/block"));
        Files.createDirectories(sys.resolve("class/block"));
        devices = new BlockDevices(sys, dev);
    }

    @Test
    void aVirtioPartitionMapsToItsDiskSerialAndStart() throws IOException {
        Path vda = disk("virtio1", "vda", "252:0", 41943040);
        Files.writeString(vda.resolve("serial"), "disk-42\n");
        partition(vda, "vda2", "252:2", 2099200, 39843840);

        var location = devices.locate(mount("252:2", "ext4"));

        assertThat(location)
                .isEqualTo(new DiskLocation.Mapped("vda2", "vda", "disk-42", 2099200L * 512, 39843840L * 512));
    }

    @Test
    void aFilesystemOnAWholeDiskStartsAtZero() throws IOException {
        Path vdb = disk("virtio2", "vdb", "252:16", 2097152);
        Files.writeString(vdb.resolve("serial"), "disk-43");

        assertThat(devices.locate(mount("252:16", "xfs")))
                .isEqualTo(new DiskLocation.Mapped("vdb", "vdb", "disk-43", 0, 2097152L * 512));
    }

    @Test
    void aDiskWithoutSerialIsNamedByItsByIdLink() throws IOException {
        Path sda = disk("scsi0", "sda", "8:0", 2097152);
        partition(sda, "sda1", "8:1", 2048, 2095104);
        Files.createDirectories(dev.resolve("disk/by-id"));
        Files.createSymbolicLink(dev.resolve("disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive0"), Path.of("../../sda"));
        Files.createSymbolicLink(
                dev.resolve("disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive0-part1"), Path.of("../../sda1"));

        assertThat(devices.locate(mount("8:1", "ext4")))
                .isEqualTo(new DiskLocation.Mapped(
                        "sda1", "sda", "scsi-0QEMU_QEMU_HARDDISK_drive0", 2048L * 512, 2095104L * 512));
    }

    @Test
    void aDiskNobodyCanNameIsUnmappable() throws IOException {
        Path vdc = disk("virtio3", "vdc", "252:32", 2097152);
        partition(vdc, "vdc1", "252:33", 2048, 2095104);

        assertUnmappable(devices.locate(mount("252:33", "ext4")), "disk vdc has no serial");
    }

    @Test
    void lvmIsUnmappable() throws IOException {
        Path dm = Files.createDirectories(sys.resolve("devices/virtual/block/dm-0"));
        Files.createDirectories(dm.resolve("dm"));
        Files.writeString(dm.resolve("dm/name"), "vg0-root\n");
        Files.createSymbolicLink(sys.resolve("dev/block/253:0"), dm);
        Files.createSymbolicLink(sys.resolve("class/block/dm-0"), dm);

        assertUnmappable(devices.locate(mount("253:0", "ext4")), "device-mapper device vg0-root");
    }

    @Test
    void mdRaidIsUnmappable() throws IOException {
        disk("virtual", "md127", "9:127", 2097152);

        assertUnmappable(devices.locate(mount("9:127", "ext4")), "md RAID device md127");
    }

    @Test
    void btrfsNetworkAndMemoryFilesystemsAreUnmappable() throws IOException {
        assertUnmappable(devices.locate(mount("0:45", "btrfs")), "btrfs");
        assertUnmappable(devices.locate(mount("0:46", "nfs4")), "network or user-space filesystem nfs4");
        assertUnmappable(devices.locate(mount("0:47", "fuse.sshfs")), "network or user-space filesystem fuse.sshfs");
        assertUnmappable(devices.locate(mount("0:48", "tmpfs")), "filesystem type tmpfs");
    }

    @Test
    void aDeviceNumberSysfsDoesNotKnowIsUnmappable() throws IOException {
        assertUnmappable(devices.locate(mount("252:99", "ext4")), "device 252:99 of /dev/x is not a block device");
    }

    private Path disk(String bus, String name, String number, long sectors) throws IOException {
        Path disk = Files.createDirectories(
                sys.resolve("devices/pci0000:00").resolve(bus).resolve("block").resolve(name));
        Files.writeString(disk.resolve("size"), sectors + "\n");
        Files.createSymbolicLink(sys.resolve("dev/block").resolve(number), disk);
        Files.createSymbolicLink(sys.resolve("class/block").resolve(name), disk);
        return disk;
    }

    private void partition(Path disk, String name, String number, long startSector, long sectors) throws IOException {
        Path partition = Files.createDirectories(disk.resolve(name));
        Files.writeString(partition.resolve("partition"), "1\n");
        Files.writeString(partition.resolve("start"), startSector + "\n");
        Files.writeString(partition.resolve("size"), sectors + "\n");
        Files.createSymbolicLink(sys.resolve("dev/block").resolve(number), partition);
        Files.createSymbolicLink(sys.resolve("class/block").resolve(name), partition);
    }

    private static MountPoint mount(String number, String type) {
        String[] parts = number.split(":");
        return new MountPoint(
                Path.of("/data"), Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), type, "/dev/x", false);
    }

    private static void assertUnmappable(DiskLocation location, String reasonFragment) {
        assertThat(location)
                .isInstanceOfSatisfying(DiskLocation.Unmappable.class, unmappable -> assertThat(unmappable.reason())
                        .contains(reasonFragment));
    }
}
