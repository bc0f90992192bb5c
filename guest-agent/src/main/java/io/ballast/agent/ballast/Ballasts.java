package io.ballast.agent.ballast;

import io.ballast.agent.device.BlockDevices;
import io.ballast.agent.device.DiskLocation;
import io.ballast.agent.device.MountPoint;
import io.ballast.agent.device.Mounts;
import io.ballast.linux.Errno;
import io.ballast.linux.Fd;
import io.ballast.linux.FiemapFlags;
import io.ballast.linux.SyscallException;
import io.ballast.linux.Syscalls;
import io.ballast.linux.Syscalls.FiemapExtent;
import io.ballast.linux.Syscalls.FsUsage;
import io.ballast.linux.Syscalls.Stat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the ballast (regulation file) of mounted filesystems at {@code <mount>/.ballast}, owned by root, mode 0600.
 * Inflating allocates with {@code fallocate} and deflating cuts with {@code ftruncate}: no data is ever written. An
 * inflate the filesystem has no room for leaves the ballast at its previous size. Reports map the ballast's blocks
 * to virtual-disk byte ranges with {@code FS_IOC_FIEMAP} and the partition's start, or say why they cannot.
 */
public final class Ballasts {

    /** Name of the ballast file in the root of each filesystem. */
    public static final String FILE_NAME = ".ballast";

    private static final int MODE = 0600;

    private final Mounts mounts;
    private final BlockDevices devices;

    public Ballasts(Mounts mounts, BlockDevices devices) {
        this.mounts = mounts;
        this.devices = devices;
    }

    public static Ballasts ofThisSystem() {
        return new Ballasts(Mounts.ofThisProcess(), BlockDevices.ofThisSystem());
    }

    /**
     * Sets the ballast of the filesystem mounted at {@code mountDirectory} to exactly {@code targetBytes}, creating
     * it if it does not exist, and makes the change durable ({@code fsync}). Setting the size it already has
     * changes nothing but allocating any holes.
     *
     * @throws BallastException.NoSpace when the filesystem cannot hold the size; the ballast keeps its previous size
     * @throws BallastException.Refused when the directory is not a writable mount point or the ballast path is not
     *     a regular file
     */
    public BallastReport set(Path mountDirectory, long targetBytes) throws BallastException {
        if (targetBytes < 0) {
            throw new BallastException.Refused("ballast size " + targetBytes + " is negative");
        }
        MountPoint mount = mountAt(mountDirectory);
        if (mount.readOnly()) {
            throw new BallastException.Refused(mount.mountPoint() + " is mounted read-only");
        }
        Path path = mount.mountPoint().resolve(FILE_NAME);
        try (Fd fd = open(path, Syscalls.O_RDWR | Syscalls.O_CREAT)) {
            Stat before = checkedStat(fd, path, mount);
            if (before.permissions() != MODE) {
                fd.fchmod(MODE);
            }
            long previousBytes = before.sizeBytes();
            if (targetBytes > 0 && (targetBytes > previousBytes || before.allocatedBytes() < targetBytes)) {
                inflate(fd, path, targetBytes, previousBytes);
            }
            if (targetBytes < previousBytes) {
                fd.ftruncate(targetBytes);
            }
            fd.fsync();
            return report(fd, path, mount);
        } catch (SyscallException e) {
            throw new BallastException.Failed(e.getMessage(), e);
        }
    }

    /** The ballast of the filesystem mounted at {@code mountDirectory}, as it is; changes nothing. */
    public BallastReport show(Path mountDirectory) throws BallastException {
        MountPoint mount = mountAt(mountDirectory);
        Path path = mount.mountPoint().resolve(FILE_NAME);
        Fd fd;
        try {
            fd = Fd.open(path, Syscalls.O_RDONLY | Syscalls.O_NOFOLLOW, 0);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT) {
                return absent(path, mount);
            }
            throw openFailure(path, e);
        }
        try (fd) {
            checkedStat(fd, path, mount);
            return report(fd, path, mount);
        } catch (SyscallException e) {
            throw new BallastException.Failed(e.getMessage(), e);
        }
    }

    /**
     * Discards the ballast's blocks on its block device ({@code BLKDISCARD}), for backing formats the host cannot
     * punch while the VM runs (the hypervisor passes the discard down when it has discard enabled). Only the ranges
     * the report maps exactly are discarded; returns the bytes discarded.
     *
     * @throws BallastException.Refused when there is no ballast or its blocks cannot be mapped exactly
     */
    public long discard(Path mountDirectory, Path devices) throws BallastException {
        BallastReport report = show(mountDirectory);
        if (!report.exists()) {
            throw new BallastException.Refused("there is no ballast at " + report.path() + " to discard");
        }
        if (!(report.extents() instanceof ExtentMap.Mapped mapped)) {
            throw new BallastException.Refused("the ballast's blocks cannot be mapped exactly, so none is discarded: "
                    + ((ExtentMap.Unavailable) report.extents()).reason());
        }
        Path device = devices.resolve(report.device());
        // Extents are only ever mapped for a filesystem that lies on a known disk.
        long partitionStart = report.disk().orElseThrow().partitionStartBytes();
        try (Fd fd = Fd.readWrite(device)) {
            long discarded = 0;
            for (Extent extent : mapped.extents()) {
                fd.discard(extent.diskOffsetBytes() - partitionStart, extent.lengthBytes());
                discarded += extent.lengthBytes();
            }
            fd.fsync();
            return discarded;
        } catch (SyscallException e) {
            throw new BallastException.Failed(e.getMessage(), e);
        }
    }

    private static void inflate(Fd fd, Path path, long targetBytes, long previousBytes) throws BallastException {
        try {
            fd.fallocate(0, targetBytes);
        } catch (SyscallException e) {
            if (!e.isNoSpace()) {
                throw new BallastException.Failed(e.getMessage(), e);
            }
            try {
                // fallocate may have allocated part of the range before it ran out: cut back to where it was.
                fd.ftruncate(previousBytes);
                fd.fsync();
                FsUsage usage = fd.usage();
                throw new BallastException.NoSpace(
                        path.toString(), targetBytes, previousBytes, usage.availableBytes(), e);
            } catch (SyscallException restore) {
                restore.addSuppressed(e);
                throw new BallastException.Failed(
                        "inflating " + path + " ran out of space and restoring its size failed: "
                                + restore.getMessage(),
                        restore);
            }
        }
    }

    private MountPoint mountAt(Path directory) throws BallastException {
        try {
            var mount = mounts.at(directory);
            if (mount.isPresent()) {
                return mount.get();
            }
            var containing = mounts.containing(directory);
            throw new BallastException.Refused(directory + " is not a mount point"
                    + containing
                            .map(m -> " (it is inside the filesystem mounted at " + m.mountPoint() + ")")
                            .orElse(""));
        } catch (IOException e) {
            throw new BallastException.Refused("cannot use " + directory + ": " + describe(e));
        }
    }

    private static Fd open(Path path, int flags) throws BallastException {
        try {
            return Fd.open(path, flags | Syscalls.O_NOFOLLOW, MODE);
        } catch (SyscallException e) {
            throw openFailure(path, e);
        }
    }

    private static BallastException openFailure(Path path, SyscallException e) {
        return switch (e.errno()) {
            case Errno.ELOOP -> new BallastException.Refused(path + " is a symbolic link; the ballast must be a file");
            case Errno.EISDIR -> new BallastException.Refused(path + " is a directory; the ballast must be a file");
            case Errno.EROFS -> new BallastException.Refused(path.getParent() + " is mounted read-only");
            default -> new BallastException.Failed(e.getMessage(), e);
        };
    }

    private static Stat checkedStat(Fd fd, Path path, MountPoint mount) throws SyscallException, BallastException {
        Stat stat = fd.stat();
        if (!stat.isRegularFile()) {
            throw new BallastException.Refused(path + " is not a regular file; the ballast must be a file");
        }
        if (stat.deviceMajor() != mount.deviceMajor() || stat.deviceMinor() != mount.deviceMinor()) {
            throw new BallastException.Refused(path + " is on device " + stat.deviceMajor() + ":" + stat.deviceMinor()
                    + ", not on the filesystem mounted at " + mount.mountPoint());
        }
        return stat;
    }

    private BallastReport report(Fd fd, Path path, MountPoint mount) throws SyscallException {
        Stat stat = fd.stat();
        FsUsage usage = fd.usage();
        DiskLocation location = locate(mount);
        ExtentMap extents =
                switch (location) {
                    case DiskLocation.Mapped mapped -> map(fd.extents(true), mapped);
                    case DiskLocation.Unmappable unmappable -> new ExtentMap.Unavailable(unmappable.reason());
                };
        return new BallastReport(
                path,
                true,
                stat.sizeBytes(),
                stat.allocatedBytes(),
                device(location, mount),
                location,
                extents,
                usage(mount, usage, stat.allocatedBytes()));
    }

    private BallastReport absent(Path path, MountPoint mount) throws BallastException {
        try (Fd fd = Fd.readOnly(mount.mountPoint())) {
            DiskLocation location = locate(mount);
            return new BallastReport(
                    path,
                    false,
                    0,
                    0,
                    device(location, mount),
                    location,
                    location instanceof DiskLocation.Unmappable unmappable
                            ? new ExtentMap.Unavailable(unmappable.reason())
                            : new ExtentMap.Mapped(List.of()),
                    usage(mount, fd.usage(), 0));
        } catch (SyscallException e) {
            throw new BallastException.Failed(e.getMessage(), e);
        }
    }

    private DiskLocation locate(MountPoint mount) {
        try {
            return devices.locate(mount);
        } catch (IOException e) {
            return new DiskLocation.Unmappable("reading the block device layout failed: " + describe(e));
        }
    }

    /**
     * The FIEMAP extents as virtual-disk ranges: device offset plus partition start, adjacent ranges merged. Any
     * extent whose place is not exact, or that lies outside the partition, makes the whole map unavailable.
     */
    static ExtentMap map(List<FiemapExtent> fiemap, DiskLocation.Mapped location) {
        List<Extent> extents = new ArrayList<>();
        for (FiemapExtent extent : fiemap) {
            if ((extent.flags() & FiemapFlags.NOT_EXACT) != 0) {
                return new ExtentMap.Unavailable("the extent at file offset " + extent.logicalBytes() + " has flags "
                        + FiemapFlags.names(extent.flags() & FiemapFlags.NOT_EXACT)
                        + ", so its blocks are not exactly the ballast's own on the device");
            }
            if (extent.physicalBytes() < 0
                    || extent.lengthBytes() <= 0
                    || extent.physicalBytes() + extent.lengthBytes() > location.partitionSizeBytes()) {
                return new ExtentMap.Unavailable("the extent at device offset " + extent.physicalBytes() + " of "
                        + extent.lengthBytes() + " bytes is not inside " + location.partitionDevice() + " ("
                        + location.partitionSizeBytes() + " bytes)");
            }
            long offset = location.partitionStartBytes() + extent.physicalBytes();
            Extent last = extents.isEmpty() ? null : extents.getLast();
            if (last != null && last.endBytes() == offset) {
                extents.set(
                        extents.size() - 1,
                        new Extent(last.diskOffsetBytes(), last.lengthBytes() + extent.lengthBytes()));
            } else {
                extents.add(new Extent(offset, extent.lengthBytes()));
            }
        }
        extents.sort(java.util.Comparator.comparingLong(Extent::diskOffsetBytes));
        return new ExtentMap.Mapped(extents);
    }

    private static String device(DiskLocation location, MountPoint mount) {
        return location instanceof DiskLocation.Mapped mapped ? mapped.partitionDevice() : mount.source();
    }

    private static FilesystemUsage usage(MountPoint mount, FsUsage usage, long ballastBytes) {
        long used = usage.totalBytes() - usage.freeBytes();
        return new FilesystemUsage(
                mount.mountPoint().toString(),
                mount.filesystemType(),
                usage.totalBytes(),
                Math.max(0, used - ballastBytes),
                usage.freeBytes(),
                usage.availableBytes(),
                ballastBytes);
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
