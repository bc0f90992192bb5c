package io.ballast.linux;

import java.nio.file.Path;
import java.util.List;

/**
 * An open file descriptor, closed with try-with-resources: the one way Ballast opens a file or device for its system
 * calls. Always opened with {@code O_CLOEXEC}, so no tool Ballast runs inherits it. Each method is the
 * {@link Syscalls} call of the same name on this descriptor. Not thread-safe to close while in use.
 */
public final class Fd implements AutoCloseable {

    private final Path path;
    private final int number;
    private boolean closed;

    private Fd(Path path, int number) {
        this.path = path;
        this.number = number;
    }

    /** Opens {@code path} read-only. */
    public static Fd readOnly(Path path) throws SyscallException {
        return open(path, Syscalls.O_RDONLY, 0);
    }

    /** Opens {@code path} for reading and writing. */
    public static Fd readWrite(Path path) throws SyscallException {
        return open(path, Syscalls.O_RDWR, 0);
    }

    /** Opens {@code path} with {@code flags} ({@code O_CLOEXEC} added) and, when it creates the file, {@code mode}. */
    public static Fd open(Path path, int flags, int mode) throws SyscallException {
        return new Fd(path, Syscalls.open(path, flags | Syscalls.O_CLOEXEC, mode));
    }

    /** The status of the file at {@code path} (opened read-only for the call). */
    public static Syscalls.Stat stat(Path path) throws SyscallException {
        try (Fd fd = readOnly(path)) {
            return fd.stat();
        }
    }

    /**
     * Makes the entries of the directory holding {@code file} durable (a rename, a creation or a deletion in it), as
     * {@code fsync} of the directory does.
     */
    public static void syncDirectoryOf(Path file) throws SyscallException {
        try (Fd directory = readOnly(file.toAbsolutePath().getParent())) {
            directory.fsync();
        }
    }

    /** The path it was opened by. */
    public Path path() {
        return path;
    }

    /** The descriptor's number, for a call that needs it raw (e.g. a loop device's backing file). */
    public int number() {
        return number;
    }

    public Syscalls.Stat stat() throws SyscallException {
        return Syscalls.stat(number);
    }

    public Syscalls.FsUsage usage() throws SyscallException {
        return Syscalls.usage(number);
    }

    public long filesystemType() throws SyscallException {
        return Syscalls.filesystemType(number);
    }

    /** The ranges of {@code [fromBytes, toBytes)} that hold data, ascending; holes are left out. */
    public List<DataRange> dataRanges(long fromBytes, long toBytes) throws SyscallException {
        return Syscalls.dataRanges(number, fromBytes, toBytes);
    }

    /** Bytes of {@code [fromBytes, toBytes)} that hold data. */
    public long dataBytes(long fromBytes, long toBytes) throws SyscallException {
        return Syscalls.dataBytes(number, fromBytes, toBytes);
    }

    public void fallocate(long offsetBytes, long lengthBytes) throws SyscallException {
        Syscalls.fallocate(number, offsetBytes, lengthBytes);
    }

    public void punchHole(long offsetBytes, long lengthBytes) throws SyscallException {
        Syscalls.punchHole(number, offsetBytes, lengthBytes);
    }

    public void ftruncate(long lengthBytes) throws SyscallException {
        Syscalls.ftruncate(number, lengthBytes);
    }

    public void fsync() throws SyscallException {
        Syscalls.fsync(number);
    }

    public void startWriteback(long offsetBytes, long lengthBytes) throws SyscallException {
        Syscalls.startWriteback(number, offsetBytes, lengthBytes);
    }

    public void adviseWillNeed(long offsetBytes, long lengthBytes) throws SyscallException {
        Syscalls.adviseWillNeed(number, offsetBytes, lengthBytes);
    }

    public void fchmod(int mode) throws SyscallException {
        Syscalls.fchmod(number, mode);
    }

    public List<Syscalls.FiemapExtent> extents(boolean sync) throws SyscallException {
        return Syscalls.extents(number, sync);
    }

    public void discard(long offsetBytes, long lengthBytes) throws SyscallException {
        Syscalls.discard(number, offsetBytes, lengthBytes);
    }

    /** A self-clearing loop device over {@code [offsetBytes, offsetBytes + sizeLimitBytes)} of this file. */
    public Syscalls.LoopDevice attachLoop(long offsetBytes, long sizeLimitBytes, boolean readOnly)
            throws SyscallException {
        return Syscalls.attachLoop(number, path, offsetBytes, sizeLimitBytes, readOnly);
    }

    /** Closes the descriptor; a second close does nothing. */
    @Override
    public void close() throws SyscallException {
        if (!closed) {
            closed = true;
            Syscalls.close(number);
        }
    }

    @Override
    public String toString() {
        return "fd " + number + " (" + path + ")";
    }
}
