package io.ballast.bench;

import io.ballast.cli.Refusal;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.Directories;
import io.ballast.testsupport.LoopDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A fresh ext4 filesystem for a benchmark: a sparse image of the size asked for in a temporary directory, GPT with
 * one partition, attached as a loop device ({@link LoopDisk}) and mounted. Closing it unmounts, detaches and removes
 * everything. Needs root.
 */
public final class ScratchFilesystem implements AutoCloseable {

    private static final List<String> TOOLS = List.of("sfdisk", "losetup", "partx", "mkfs.ext4", "mount", "umount");

    private final Path directory;
    private final LoopDisk disk;
    private final Path mount;

    private ScratchFilesystem(Path directory, LoopDisk disk, Path mount) {
        this.directory = directory;
        this.disk = disk;
        this.mount = mount;
    }

    /**
     * Makes and mounts the filesystem on an image of {@code imageBytes}.
     *
     * @throws Refusal when not run as root or a tool is missing (nothing was made)
     */
    public static ScratchFilesystem create(long imageBytes) throws IOException {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new Refusal("this benchmark needs root (it attaches a loop device and mounts a filesystem)");
        }
        List<String> missing = Commands.missing(TOOLS.toArray(String[]::new));
        if (!missing.isEmpty()) {
            throw new Refusal("this benchmark needs " + String.join(", ", missing) + " (see .ci/run for the packages)");
        }
        Path directory = Files.createTempDirectory("ballast-bench-");
        LoopDisk disk = LoopDisk.create(directory, imageBytes, "label: gpt\nstart=2048\n");
        try {
            return new ScratchFilesystem(directory, disk, disk.mountExt4(1, directory));
        } catch (RuntimeException e) {
            disk.close();
            throw e;
        }
    }

    /** Where the filesystem is mounted. */
    public Path mount() {
        return mount;
    }

    @Override
    public void close() {
        disk.close();
        Directories.deleteTree(directory);
    }
}
