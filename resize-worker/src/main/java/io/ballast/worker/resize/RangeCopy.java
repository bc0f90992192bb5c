package io.ballast.worker.resize;

import io.ballast.linux.DataRange;
import io.ballast.linux.DurableFiles;
import io.ballast.linux.Fd;
import io.ballast.worker.image.ByteRange;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A byte range of an image saved to a file of its own, holes kept as holes, so a tool run over the range can be
 * undone by putting the copy back. The copy counts only once it is complete: it is written under a temporary name,
 * synced and renamed, so a copy that exists is whole. Used where e2undo cannot serve: resize2fs 1.47.0 with an undo
 * file fails on ext filesystems of 1 KiB blocks ("Resize inode is corrupt"), and those are small (mkfs.ext4 picks 1
 * KiB blocks under 512 MiB).
 */
final class RangeCopy {

    private RangeCopy() {}

    static boolean exists(Path copy) {
        return Files.isRegularFile(copy);
    }

    static void save(Path data, ByteRange range, Path copy) throws IOException {
        Path partial = copy.resolveSibling(copy.getFileName() + ".partial");
        try (FileChannel source = FileChannel.open(data, StandardOpenOption.READ);
                FileChannel target = FileChannel.open(
                        partial,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            try (Fd fd = Fd.readOnly(data)) {
                for (DataRange extent : fd.dataRanges(range.startBytes(), range.endBytes())) {
                    transfer(
                            source,
                            extent.startBytes(),
                            target,
                            extent.startBytes() - range.startBytes(),
                            extent.lengthBytes());
                }
            }
            if (target.size() < range.lengthBytes()) {
                // the range ends in a hole: the copy gets its length without data
                try (Fd copyFd = Fd.readWrite(partial)) {
                    copyFd.ftruncate(range.lengthBytes());
                }
            }
            target.force(true);
        }
        DurableFiles.rename(partial, copy, true);
    }

    /** Puts the copy back over the range: its data where it has data, holes where it has holes. */
    static void restore(Path data, ByteRange range, Path copy) throws IOException {
        try (FileChannel source = FileChannel.open(copy, StandardOpenOption.READ);
                FileChannel target = FileChannel.open(data, StandardOpenOption.WRITE)) {
            try (Fd imageFd = Fd.readWrite(data);
                    Fd copyFd = Fd.readOnly(copy)) {
                imageFd.punchHole(range.startBytes(), range.lengthBytes());
                for (DataRange extent : copyFd.dataRanges(0, range.lengthBytes())) {
                    transfer(
                            source,
                            extent.startBytes(),
                            target,
                            range.startBytes() + extent.startBytes(),
                            extent.lengthBytes());
                }
                imageFd.fsync();
            }
        }
    }

    private static void transfer(FileChannel from, long fromOffset, FileChannel to, long toOffset, long length)
            throws IOException {
        long done = 0;
        while (done < length) {
            long moved = from.transferTo(fromOffset + done, length - done, to.position(toOffset + done));
            if (moved <= 0) {
                throw new IOException("copying " + length + " bytes stopped at " + done);
            }
            done += moved;
        }
    }
}
