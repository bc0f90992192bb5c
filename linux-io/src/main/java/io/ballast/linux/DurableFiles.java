package io.ballast.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Objects;

/**
 * The one way Ballast changes a file so that a crash leaves either the old or the new one: the new content written
 * and synced under a temporary name, renamed over the old atomically, and the rename made durable by syncing the
 * directory. Renames of image files (a job's lock on an image) are made durable the same way.
 */
public final class DurableFiles {

    /** The suffix of the temporary file {@link #replace} writes first; a crash may leave one behind. */
    public static final String TEMPORARY_SUFFIX = ".new";

    private DurableFiles() {}

    /**
     * Replaces {@code file}'s content with {@code content} (creating it when missing): after a crash at any point
     * the file holds either its old content or the new, never a mix. A file that existed keeps its permissions, owner
     * and group (an SELinux label is not carried over).
     *
     * @throws IOException when the directory cannot rename atomically (a file system without atomic rename), or any
     *     write or sync fails; the file then still holds its old content and no temporary file is left
     */
    public static void replace(Path file, byte[] content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + TEMPORARY_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(
                    temporary,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(content);
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                channel.force(true);
            }
            if (Files.exists(file)) {
                PosixFileAttributes kept = Files.readAttributes(file, PosixFileAttributes.class);
                Files.setPosixFilePermissions(temporary, kept.permissions());
                PosixFileAttributeView view = Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
                view.setOwner(kept.owner());
                view.setGroup(kept.group());
            }
            move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw e;
        }
    }

    /**
     * Renames {@code from} to {@code to} atomically, replacing {@code to} when {@code replacing}, and makes the
     * rename durable (both directories synced). The caller has synced {@code from}'s content if it must survive.
     *
     * <p>Without replacing, the rename is atomic where the kernel, C library and filesystem offer {@code
     * RENAME_NOREPLACE}; elsewhere (glibc before 2.28, NFS, CIFS) the name is checked and then renamed, which is safe
     * only while nothing else can create {@code to} meanwhile: Ballast's callers hold the VM's lease or the image's
     * lock.
     *
     * @throws FileAlreadyExistsException when {@code to} exists and {@code replacing} is false; nothing is renamed
     * @throws IOException when the rename cannot be atomic (e.g. across file systems); nothing is renamed then
     */
    public static void rename(Path from, Path to, boolean replacing) throws IOException {
        if (replacing) {
            move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return;
        }
        boolean renamed;
        try {
            renamed = Syscalls.renameNoReplace(from, to);
        } catch (SyscallException e) {
            if (e.errno() == Errno.EEXIST) {
                throw new FileAlreadyExistsException(from.toString(), to.toString(), "exists; not replaced");
            }
            throw e;
        }
        if (!renamed) {
            // no no-replace rename here (old C library, NFS, CIFS): look, then rename; the callers hold a lease or
            // lock that keeps anyone else from creating the same name in between
            if (Files.exists(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(from.toString(), to.toString(), "exists; not replaced");
            }
            move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return;
        }
        syncDirectories(from, to);
    }

    /** Deletes {@code file} if it exists and makes the deletion durable. */
    public static void delete(Path file) throws IOException {
        if (Files.deleteIfExists(file)) {
            Fd.syncDirectoryOf(file);
        }
    }

    private static void move(Path from, Path to, CopyOption... options) throws IOException {
        try {
            Files.move(from, to, options);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically: " + e.getMessage(), e);
        }
        syncDirectories(from, to);
    }

    private static void syncDirectories(Path from, Path to) throws SyscallException {
        Fd.syncDirectoryOf(to);
        if (!Objects.equals(
                from.toAbsolutePath().getParent(), to.toAbsolutePath().getParent())) {
            Fd.syncDirectoryOf(from);
        }
    }
}
