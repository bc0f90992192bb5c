package io.ballast.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Linux system calls of Ballast, through the FFM API: {@code open}, {@code close}, {@code fallocate} (allocate
 * and punch holes), {@code lseek} ({@code SEEK_DATA}, {@code SEEK_HOLE}), {@code ftruncate}, {@code fsync},
 * {@code fchmod}, {@code statx}, {@code fstatvfs}, {@code fstatfs} and {@code ioctl} ({@code FS_IOC_FIEMAP},
 * {@code BLKDISCARD}, loop devices). Struct offsets follow the kernel's 64-bit ABI (x86_64 and aarch64,
 * both LP64 with the asm-generic open flags); other architectures are refused at first use. Every failure is a
 * {@link SyscallException} naming the call, its arguments and the errno.
 */
public final class Syscalls {

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;

    /** {@code FS_IOC_FIEMAP}: {@code _IOWR('f', 11, struct fiemap)}. */
    static final long FS_IOC_FIEMAP = 0xC020660BL;
    /** {@code BLKDISCARD}: {@code _IO(0x12, 119)}. */
    static final long BLKDISCARD = 0x1277L;
    /** {@code LOOP_CTL_GET_FREE} on {@code /dev/loop-control}: the number of a free loop device. */
    static final long LOOP_CTL_GET_FREE = 0x4C82L;
    /** {@code LOOP_CONFIGURE} (Linux 5.8): backing file, offset, size limit and flags in one call. */
    static final long LOOP_CONFIGURE = 0x4C0AL;

    private static final int LO_FLAGS_READ_ONLY = 1;
    private static final int LO_FLAGS_AUTOCLEAR = 4;
    private static final int LOOP_CONFIG_BYTES = 304;
    private static final int LOOP_INFO_OFFSET = 8;
    private static final int LOOP_ATTACH_ATTEMPTS = 16;

    static final int FIEMAP_FLAG_SYNC = 0x1;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final int SYNC_FILE_RANGE_WRITE = 0x2;
    private static final int POSIX_FADV_WILLNEED = 3;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int FIEMAP_HEADER_BYTES = 32;
    private static final int FIEMAP_EXTENT_BYTES = 56;
    private static final int FIEMAP_BATCH = 512;

    private static final boolean PLATFORM_CHECKED = checkPlatform();
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = function(
            "open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = function("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    /** {@code AT_FDCWD}: a path argument relative to the working directory. */
    private static final int AT_FDCWD = -100;
    /** {@code renameat2} flag: fail with EEXIST rather than replace the target. */
    private static final int RENAME_NOREPLACE = 1;

    private static final MethodHandle FALLOCATE =
            function("fallocate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle LSEEK =
            function("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FTRUNCATE =
            function("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FSYNC = function("fsync", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SYNC_FILE_RANGE =
            function("sync_file_range", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POSIX_FADVISE = LINKER.downcallHandle(
            LIBC.findOrThrow("posix_fadvise"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FCHMOD = function("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle STATX =
            function("statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FSTATVFS =
            function("fstatvfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle FSTATFS = function("fstatfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle IOCTL = function(
            "ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle STRERROR =
            LINKER.downcallHandle(LIBC.findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Syscalls() {}

    /** File status from {@code statx}: sizes in bytes, {@code blocks} in 512-byte units as the kernel counts them. */
    public record Stat(long sizeBytes, long blocks, int mode, long inode, int uid, int deviceMajor, int deviceMinor) {

        private static final int S_IFMT = 0170000;
        private static final int S_IFREG = 0100000;

        /** Bytes the file occupies on its filesystem. */
        public long allocatedBytes() {
            return blocks * 512;
        }

        public boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        /** Permission bits, e.g. {@code 0600}. */
        public int permissions() {
            return mode & 07777;
        }
    }

    /** Filesystem capacity from {@code fstatvfs}, in bytes. */
    public record FsUsage(long totalBytes, long freeBytes, long availableBytes, long blockSizeBytes) {}

    /** One extent from {@code FS_IOC_FIEMAP}: file offset, filesystem-device offset and length in bytes. */
    public record FiemapExtent(long logicalBytes, long physicalBytes, long lengthBytes, int flags) {}

    /** The raw {@code open(2)}; everything outside this package opens through {@link Fd}, which closes. */
    static int open(Path path, int flags, int mode) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), flags, mode);
            if (fd < 0) {
                throw failure(
                        state,
                        "open(" + path + ", 0" + Integer.toOctalString(flags) + ", 0" + Integer.toOctalString(mode)
                                + ")");
            }
            return fd;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * {@code renameat2(from, to, RENAME_NOREPLACE)}: renames atomically, and fails with {@link Errno#EEXIST} rather
     * than replace an existing {@code to} (which a plain {@code rename(2)}, and so {@code Files.move} with
     * {@code ATOMIC_MOVE}, does silently).
     *
     * @return false, having done nothing, where no-replace renames are not to be had: a C library older than glibc
     *     2.28 (no {@code renameat2}), a kernel without it ({@code ENOSYS}), a filesystem that refuses the flag
     *     ({@code EINVAL}: NFS, CIFS)
     * @throws SyscallException for any other failure, {@code EEXIST} included
     */
    public static boolean renameNoReplace(Path from, Path to) throws SyscallException {
        Optional<MethodHandle> renameat2 = RenameAt2.HANDLE;
        if (renameat2.isEmpty()) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int result = (int) renameat2
                    .get()
                    .invokeExact(
                            state,
                            AT_FDCWD,
                            arena.allocateFrom(from.toString()),
                            AT_FDCWD,
                            arena.allocateFrom(to.toString()),
                            RENAME_NOREPLACE);
            if (result == 0) {
                return true;
            }
            SyscallException error = failure(state, "renameat2(" + from + ", " + to + ", RENAME_NOREPLACE)");
            if (error.errno() == Errno.ENOSYS || error.errno() == Errno.EINVAL) {
                return false;
            }
            throw error;
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * {@code renameat2}, looked up on first use and only then: a guest whose C library lacks it (glibc before 2.28)
     * still runs everything else.
     */
    private static final class RenameAt2 {
        static final Optional<MethodHandle> HANDLE = LIBC.find("renameat2")
                .map(address -> LINKER.downcallHandle(
                        address,
                        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT),
                        CAPTURE_ERRNO));
    }

    /** The raw {@code close(2)}, for {@link Fd}. */
    static void close(int fd) throws SyscallException {
        call("close(" + fd + ")", () -> (int) CLOSE.invokeExact(stateHolder(), fd));
    }

    /** {@code fallocate(fd, 0, offset, length)}: allocates the range and extends the file size to cover it. */
    public static void fallocate(int fd, long offsetBytes, long lengthBytes) throws SyscallException {
        call("fallocate(" + fd + ", 0, " + offsetBytes + ", " + lengthBytes + ")", () ->
                (int) FALLOCATE.invokeExact(stateHolder(), fd, 0, offsetBytes, lengthBytes));
    }

    /**
     * {@code fallocate(fd, PUNCH_HOLE | KEEP_SIZE, offset, length)}: the range reads as zeros afterwards and its
     * blocks go back to the filesystem; the file keeps its size.
     */
    public static void punchHole(int fd, long offsetBytes, long lengthBytes) throws SyscallException {
        call(
                "fallocate(" + fd + ", PUNCH_HOLE|KEEP_SIZE, " + offsetBytes + ", " + lengthBytes + ")",
                () -> (int) FALLOCATE.invokeExact(
                        stateHolder(), fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offsetBytes, lengthBytes));
    }

    /**
     * The ranges of {@code [fromBytes, toBytes)} that hold data ({@code SEEK_DATA}/{@code SEEK_HOLE}), in ascending
     * order; holes are left out.
     */
    public static List<DataRange> dataRanges(int fd, long fromBytes, long toBytes) throws SyscallException {
        List<DataRange> ranges = new ArrayList<>();
        long position = fromBytes;
        while (position < toBytes) {
            long data = seek(fd, position, SEEK_DATA);
            if (data < 0 || data >= toBytes) {
                break;
            }
            long hole = seek(fd, data, SEEK_HOLE);
            long end = Math.min(hole < 0 ? toBytes : hole, toBytes);
            ranges.add(new DataRange(data, end));
            position = end;
        }
        return ranges;
    }

    /** Bytes of {@code [fromBytes, toBytes)} that hold data. */
    public static long dataBytes(int fd, long fromBytes, long toBytes) throws SyscallException {
        long bytes = 0;
        for (DataRange range : dataRanges(fd, fromBytes, toBytes)) {
            bytes += range.lengthBytes();
        }
        return bytes;
    }

    /** {@code lseek} with SEEK_DATA or SEEK_HOLE; -1 where there is no more data after the offset (ENXIO). */
    private static long seek(int fd, long offsetBytes, int whence) throws SyscallException {
        MemorySegment state = stateHolder();
        long result;
        try {
            result = (long) LSEEK.invokeExact(state, fd, offsetBytes, whence);
        } catch (Throwable t) {
            throw linkage(t);
        }
        if (result < 0) {
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == Errno.ENXIO) {
                return -1;
            }
            throw failure(
                    state,
                    "lseek(" + fd + ", " + offsetBytes + ", " + (whence == SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE")
                            + ")");
        }
        return result;
    }

    public static void ftruncate(int fd, long lengthBytes) throws SyscallException {
        call("ftruncate(" + fd + ", " + lengthBytes + ")", () ->
                (int) FTRUNCATE.invokeExact(stateHolder(), fd, lengthBytes));
    }

    public static void fsync(int fd) throws SyscallException {
        call("fsync(" + fd + ")", () -> (int) FSYNC.invokeExact(stateHolder(), fd));
    }

    /**
     * {@code sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE)}: starts writing the range's dirty pages back
     * without waiting, so a later {@code fsync} has less left to do. Durability still needs {@link #fsync}.
     */
    public static void startWriteback(int fd, long offsetBytes, long lengthBytes) throws SyscallException {
        call("sync_file_range(" + fd + ", " + offsetBytes + ", " + lengthBytes + ", SYNC_FILE_RANGE_WRITE)", () ->
                (int) SYNC_FILE_RANGE.invokeExact(stateHolder(), fd, offsetBytes, lengthBytes, SYNC_FILE_RANGE_WRITE));
    }

    /**
     * {@code posix_fadvise(fd, offset, length, POSIX_FADV_WILLNEED)}: the kernel starts reading the range into the
     * page cache and returns at once, so a later read finds it there.
     */
    public static void adviseWillNeed(int fd, long offsetBytes, long lengthBytes) throws SyscallException {
        int error;
        try {
            error = (int) POSIX_FADVISE.invokeExact(fd, offsetBytes, lengthBytes, POSIX_FADV_WILLNEED);
        } catch (Throwable t) {
            throw linkage(t);
        }
        if (error != 0) {
            throw new SyscallException(
                    "posix_fadvise(" + fd + ", " + offsetBytes + ", " + lengthBytes + ", WILLNEED)",
                    error,
                    describe(error));
        }
    }

    public static void fchmod(int fd, int mode) throws SyscallException {
        call("fchmod(" + fd + ", 0" + Integer.toOctalString(mode) + ")", () ->
                (int) FCHMOD.invokeExact(stateHolder(), fd, mode));
    }

    public static Stat stat(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment buffer = arena.allocate(256, 8);
            int result = (int)
                    STATX.invokeExact(state, fd, arena.allocateFrom(""), AT_EMPTY_PATH, STATX_BASIC_STATS, buffer);
            if (result != 0) {
                throw failure(state, "statx(" + fd + ")");
            }
            return new Stat(
                    buffer.get(JAVA_LONG, 40),
                    buffer.get(JAVA_LONG, 48),
                    Short.toUnsignedInt(buffer.get(ValueLayout.JAVA_SHORT, 28)),
                    buffer.get(JAVA_LONG, 32),
                    buffer.get(JAVA_INT, 20),
                    buffer.get(JAVA_INT, 136),
                    buffer.get(JAVA_INT, 140));
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    public static FsUsage usage(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment buffer = arena.allocate(112, 8);
            int result = (int) FSTATVFS.invokeExact(state, fd, buffer);
            if (result != 0) {
                throw failure(state, "fstatvfs(" + fd + ")");
            }
            long blockSize = buffer.get(JAVA_LONG, 0);
            long fragmentSize = buffer.get(JAVA_LONG, 8);
            long unit = fragmentSize > 0 ? fragmentSize : blockSize;
            return new FsUsage(
                    buffer.get(JAVA_LONG, 16) * unit,
                    buffer.get(JAVA_LONG, 24) * unit,
                    buffer.get(JAVA_LONG, 32) * unit,
                    blockSize);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** The filesystem's magic number ({@code f_type} of {@code fstatfs}), e.g. {@code 0xEF53} for ext2/3/4. */
    public static long filesystemType(int fd) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment buffer = arena.allocate(120, 8);
            int result = (int) FSTATFS.invokeExact(state, fd, buffer);
            if (result != 0) {
                throw failure(state, "fstatfs(" + fd + ")");
            }
            return buffer.get(JAVA_LONG, 0);
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * Every extent of the file ({@code FS_IOC_FIEMAP}), in file order; with {@code sync} the file's dirty data is
     * written first, so no extent is still waiting for delayed allocation.
     */
    public static List<FiemapExtent> extents(int fd, boolean sync) throws SyscallException {
        List<FiemapExtent> extents = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment request = arena.allocate(FIEMAP_HEADER_BYTES + (long) FIEMAP_BATCH * FIEMAP_EXTENT_BYTES, 8);
            long start = 0;
            while (true) {
                request.fill((byte) 0);
                request.set(JAVA_LONG, 0, start);
                request.set(JAVA_LONG, 8, Long.MAX_VALUE - start);
                request.set(JAVA_INT, 16, sync ? FIEMAP_FLAG_SYNC : 0);
                request.set(JAVA_INT, 24, FIEMAP_BATCH);
                int result = (int) IOCTL.invokeExact(state, fd, FS_IOC_FIEMAP, request);
                if (result != 0) {
                    throw failure(state, "ioctl(" + fd + ", FS_IOC_FIEMAP, start=" + start + ")");
                }
                int mapped = request.get(JAVA_INT, 20);
                if (mapped == 0) {
                    return extents;
                }
                FiemapExtent last = null;
                for (int i = 0; i < mapped; i++) {
                    long base = FIEMAP_HEADER_BYTES + (long) i * FIEMAP_EXTENT_BYTES;
                    last = new FiemapExtent(
                            request.get(JAVA_LONG, base),
                            request.get(JAVA_LONG, base + 8),
                            request.get(JAVA_LONG, base + 16),
                            request.get(JAVA_INT, base + 40));
                    extents.add(last);
                }
                if ((last.flags() & FiemapFlags.LAST) != 0) {
                    return extents;
                }
                start = last.logicalBytes() + last.lengthBytes();
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /** {@code BLKDISCARD} of a byte range of a block device opened for writing. */
    public static void discard(int fd, long offsetBytes, long lengthBytes) throws SyscallException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment range = arena.allocate(16, 8);
            range.set(JAVA_LONG, 0, offsetBytes);
            range.set(JAVA_LONG, 8, lengthBytes);
            int result = (int) IOCTL.invokeExact(state, fd, BLKDISCARD, range);
            if (result != 0) {
                throw failure(state, "ioctl(" + fd + ", BLKDISCARD, " + offsetBytes + ", " + lengthBytes + ")");
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    /**
     * A loop device over a byte range of a file, set to clear itself: it stays attached while this handle (or
     * anything else) holds it open and detaches on the last close, so a process that dies never leaves one behind.
     * Open the {@link #path()} to use it before closing this handle.
     */
    public static final class LoopDevice implements AutoCloseable {
        private final Path path;
        private final Fd device;

        private LoopDevice(Path path, Fd device) {
            this.path = path;
            this.device = device;
        }

        /** {@code /dev/loopN}. */
        public Path path() {
            return path;
        }

        @Override
        public void close() throws SyscallException {
            device.close();
        }
    }

    /**
     * Attaches a free loop device to {@code [offsetBytes, offsetBytes + sizeLimitBytes)} of the open file
     * {@code fileFd} ({@code LOOP_CTL_GET_FREE} then {@code LOOP_CONFIGURE} with {@code LO_FLAGS_AUTOCLEAR}),
     * retrying when another process takes the same device first.
     */
    public static LoopDevice attachLoop(int fileFd, Path file, long offsetBytes, long sizeLimitBytes, boolean readOnly)
            throws SyscallException {
        try (Fd control = Fd.readWrite(Path.of("/dev/loop-control"));
                Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment config = arena.allocate(LOOP_CONFIG_BYTES, 8);
            config.set(JAVA_INT, 0, fileFd);
            config.set(JAVA_LONG, LOOP_INFO_OFFSET + 24, offsetBytes);
            config.set(JAVA_LONG, LOOP_INFO_OFFSET + 32, sizeLimitBytes);
            config.set(JAVA_INT, LOOP_INFO_OFFSET + 52, LO_FLAGS_AUTOCLEAR | (readOnly ? LO_FLAGS_READ_ONLY : 0));
            byte[] name = file.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            MemorySegment.copy(name, 0, config, JAVA_BYTE, LOOP_INFO_OFFSET + 56, Math.min(name.length, 63));
            for (int attempt = 1; ; attempt++) {
                int number = (int) IOCTL.invokeExact(state, control.number(), LOOP_CTL_GET_FREE, MemorySegment.NULL);
                if (number < 0) {
                    throw failure(state, "ioctl(/dev/loop-control, LOOP_CTL_GET_FREE)");
                }
                Path path = Path.of("/dev/loop" + number);
                Fd device = readOnly ? Fd.readOnly(path) : Fd.readWrite(path);
                int result = (int) IOCTL.invokeExact(state, device.number(), LOOP_CONFIGURE, config);
                if (result == 0) {
                    return new LoopDevice(path, device);
                }
                SyscallException error = failure(
                        state,
                        "ioctl(" + path + ", LOOP_CONFIGURE, " + file + ", offset " + offsetBytes + ", size "
                                + sizeLimitBytes + ")");
                device.close();
                if (error.errno() != Errno.EBUSY || attempt == LOOP_ATTACH_ATTEMPTS) {
                    throw error;
                }
            }
        } catch (SyscallException e) {
            throw e;
        } catch (Throwable t) {
            throw linkage(t);
        }
    }

    @FunctionalInterface
    private interface IntCall {
        int invoke() throws Throwable;
    }

    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private static MemorySegment stateHolder() {
        return STATE.get();
    }

    private static void call(String description, IntCall call) throws SyscallException {
        int result;
        try {
            result = call.invoke();
        } catch (Throwable t) {
            throw linkage(t);
        }
        if (result != 0) {
            throw failure(stateHolder(), description);
        }
    }

    private static SyscallException failure(MemorySegment state, String call) {
        int errno = (int) ERRNO.get(state, 0L);
        return new SyscallException(call, errno, describe(errno));
    }

    private static String describe(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "error " + errno;
        }
    }

    private static IllegalStateException linkage(Throwable t) {
        if (t instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (t instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("native call failed unexpectedly: " + t, t);
    }

    private static boolean checkPlatform() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("aarch64"))) {
            throw new UnsupportedOperationException(
                    "the guest agent runs on Linux x86_64 or aarch64, not " + os + " " + arch);
        }
        return true;
    }

    private static MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, options);
    }
}
