package io.ballast.worker.resize;

import io.ballast.worker.image.Container;
import io.ballast.worker.image.ImageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds an image for the length of a resize and refuses one that is in use: locked by another process (QEMU takes
 * OFD locks on the images it runs, which conflict with this lock), open in another process, or backing a loop
 * device. The lock stays until {@link #close()}, so a VM cannot start on the image while Ballast works on it.
 */
public final class ImageGuard implements AutoCloseable {

    /** How long loop devices a killed earlier run left are given to clear themselves. */
    private static final Duration LOOP_GRACE = Duration.ofSeconds(5);

    private final FileChannel channel;
    private final FileLock lock;

    private ImageGuard(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * @throws ImageException naming who holds the image, when anything does
     */
    public static ImageGuard acquire(Container container) throws ImageException, IOException {
        Path data = container.data();
        List<String> users = loopDevicesOver(data, LOOP_GRACE);
        users.addAll(processesWithOpen(data));
        if (!users.isEmpty()) {
            throw new ImageException.Refused(data + " is in use (" + String.join("; ", users)
                    + "); stop the VM or detach" + " it before resizing");
        }
        FileChannel channel = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = container instanceof Container.BlockDevice ? null : channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null && !(container instanceof Container.BlockDevice)) {
            channel.close();
            throw new ImageException.Refused(
                    data + " is locked by another process (a running VM, or another Ballast job);"
                            + " stop it before resizing");
        }
        return new ImageGuard(channel, lock);
    }

    /** Processes other than this one with {@code data} open, as {@code pid N (command)}. */
    static List<String> processesWithOpen(Path data) throws IOException {
        List<String> users = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                if (process.getFileName().toString().equals(Long.toString(self))) {
                    continue;
                }
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path fd : fds) {
                        try {
                            if (Files.isSameFile(fd, data)) {
                                users.add("open by pid " + process.getFileName() + " (" + command(process) + ")");
                                break;
                            }
                        } catch (IOException gone) {
                            // the descriptor closed while we looked
                        }
                    }
                } catch (IOException gone) {
                    // the process ended, or is not ours to look into
                }
            }
        }
        return users;
    }

    /** Loop devices backed by {@code data}, after waiting up to {@code grace} for self-clearing ones to go. */
    static List<String> loopDevicesOver(Path data, Duration grace) throws IOException {
        long deadline = System.nanoTime() + grace.toNanos();
        Path real = data.toRealPath();
        while (true) {
            List<String> devices = new ArrayList<>();
            try (DirectoryStream<Path> blocks = Files.newDirectoryStream(Path.of("/sys/block"), "loop*")) {
                for (Path block : blocks) {
                    Path backing = block.resolve("loop/backing_file");
                    try {
                        // a file deleted since it was attached shows as "PATH (deleted)": not this one
                        String file = Files.readString(backing).strip();
                        if (Path.of(file).equals(real)) {
                            devices.add("backs /dev/" + block.getFileName());
                        }
                    } catch (IOException gone) {
                        // not attached, or detached while we looked
                    }
                }
            }
            if (devices.isEmpty() || System.nanoTime() > deadline) {
                return devices;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return devices;
            }
        }
    }

    private static String command(Path process) {
        try {
            return Files.readString(process.resolve("comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock != null) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
