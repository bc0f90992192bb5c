package io.ballast.testsupport;

import io.ballast.local.launch.Commands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A real disk for tests: a sparse image file partitioned with {@code sfdisk}, attached with {@code losetup -P}, with
 * filesystems made and mounted on its partitions. {@link #close()} unmounts, detaches and deletes everything.
 * Needs root; call {@link SystemPrerequisites#require} first.
 */
public final class LoopDisk implements AutoCloseable {

    private final Path image;
    private final String device;
    private final Deque<Path> mounts = new ArrayDeque<>();
    private boolean keep;

    private LoopDisk(Path image, String device) {
        this.image = image;
        this.device = device;
    }

    /**
     * Creates a sparse image of {@code sizeBytes} in {@code directory}, writes the partition table
     * {@code sfdiskScript} (sfdisk's input format) and attaches it with its partitions.
     */
    public static LoopDisk create(Path directory, long sizeBytes, String sfdiskScript) {
        SystemPrerequisites.require("sfdisk", "losetup", "partx", "mkfs.ext4", "mount", "umount");
        try {
            Path image = Files.createTempFile(directory, "disk-", ".img");
            Commands.run("truncate", "-s", Long.toString(sizeBytes), image.toString());
            Commands.runWithInput(sfdiskScript, "sfdisk", "--quiet", image.toString());
            return attach(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Attaches an existing partitioned image with its partitions (a disk copied elsewhere, say). Closing it deletes
     * the image too, unless {@link #keep()} says otherwise.
     */
    public static LoopDisk attach(Path image) {
        SystemPrerequisites.require("losetup", "partx", "mount", "umount");
        String device = Commands.run("losetup", "--find", "--show", "--partscan", image.toString())
                .strip();
        LoopDisk disk = new LoopDisk(image, device);
        if (!Files.exists(disk.partition(1))) {
            Commands.run("partx", "--add", device);
        }
        return disk;
    }

    /** The image file; the virtual disk the guest sees. */
    public Path image() {
        return image;
    }

    /** Keeps the image file when the disk is closed (it is still unmounted and detached); returns it. */
    public Path keep() {
        keep = true;
        return image;
    }

    /** The loop device, e.g. {@code /dev/loop3}. */
    public String device() {
        return device;
    }

    /** The device node of partition {@code number}, e.g. {@code /dev/loop3p2}. */
    public Path partition(int number) {
        return Path.of(device + "p" + number);
    }

    /** Makes an ext4 filesystem on partition {@code number} and mounts it on a new directory under {@code parent}. */
    public Path mountExt4(int number, Path parent, String... mountOptions) {
        Commands.run("mkfs.ext4", "-q", "-F", partition(number).toString());
        return mount(number, parent, mountOptions);
    }

    /** Mounts the filesystem partition {@code number} holds on a new directory under {@code parent}. */
    public Path mount(int number, Path parent, String... mountOptions) {
        try {
            return mountAt(number, Files.createTempDirectory(parent, "mnt-"), mountOptions);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mounts the filesystem partition {@code number} holds on the existing directory {@code mountPoint}. */
    public Path mountAt(int number, Path mountPoint, String... mountOptions) {
        String partition = partition(number).toString();
        if (mountOptions.length == 0) {
            Commands.run("mount", partition, mountPoint.toString());
        } else {
            Commands.run("mount", "-o", String.join(",", mountOptions), partition, mountPoint.toString());
        }
        mounts.push(mountPoint);
        return mountPoint;
    }

    /** Unmounts a filesystem mounted by {@link #mountExt4}, {@link #mount} or {@link #mountAt}. */
    public void unmount(Path mountPoint) {
        Commands.run("umount", mountPoint.toString());
        mounts.remove(mountPoint);
    }

    /**
     * Backs every free block of the filesystem mounted at {@code mountPoint} in the image: fills it with zeros until
     * it is full, syncs, and deletes the filler. The blocks stay allocated in the image file (the filesystem does
     * not discard them), so whatever is put there next lands on backed blocks, as on a disk that has been in use.
     */
    public static void backFreeBlocks(Path mountPoint) {
        Path filler = mountPoint.resolve("filler");
        try {
            Commands.run("dd", "if=/dev/zero", "of=" + filler, "bs=4M", "status=none");
        } catch (IllegalStateException e) {
            if (!e.getMessage().contains("No space left on device")) {
                throw e;
            }
        }
        Commands.run("sync");
        try {
            Files.delete(filler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Commands.run("sync");
    }

    /** The partition's first byte on the disk, as the kernel reports it. */
    public long partitionStartBytes(int number) {
        String name = partition(number).getFileName().toString();
        try {
            return Long.parseLong(Files.readString(Path.of("/sys/class/block", name, "start"))
                            .strip())
                    * 512;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        while (!mounts.isEmpty()) {
            try {
                Commands.run("umount", mounts.pop().toString());
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        try {
            Commands.run("losetup", "--detach", device);
        } catch (RuntimeException e) {
            failure = failure == null ? e : failure;
        }
        try {
            if (!keep) {
                Files.deleteIfExists(image);
            }
        } catch (IOException e) {
            failure = failure == null ? new UncheckedIOException(e) : failure;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
