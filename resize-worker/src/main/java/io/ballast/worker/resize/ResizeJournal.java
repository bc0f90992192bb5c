package io.ballast.worker.resize;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.image.TableSnapshot;
import io.ballast.worker.plan.LayoutPlanner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * The record of one resize, next to the image ({@code IMAGE.ballast-resize}): the image's identity, the options,
 * the table as it was, the planned layout, the steps and how many are done. Every save is atomic and durable (a
 * temporary file, fsync, rename, fsync of the directory), so after a crash the journal says either the old count
 * or the new one, never half of each.
 *
 * @param device the image's device number as {@code major:minor}, with {@code inode} to tell it from another file
 * @param done how many steps are finished
 */
public record ResizeJournal(
        int version,
        String device,
        long inode,
        long startedAtMillis,
        ResizeOptions options,
        long diskBytes,
        PartitionTable.Scheme scheme,
        TableSnapshot table,
        List<LayoutPlanner.Placed> layout,
        long finalDiskBytes,
        List<Step> steps,
        int done) {

    static final int VERSION = 1;
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    public ResizeJournal {
        layout = List.copyOf(layout);
        steps = List.copyOf(steps);
    }

    /** Where the journal of resizes of {@code data} lives. */
    public static Path of(Path data) {
        return data.resolveSibling(data.getFileName() + ".ballast-resize");
    }

    ResizeJournal withDone(int count) {
        return new ResizeJournal(
                version,
                device,
                inode,
                startedAtMillis,
                options,
                diskBytes,
                scheme,
                table,
                layout,
                finalDiskBytes,
                steps,
                count);
    }

    /** The journal at {@code file}, if there is one. */
    static Optional<ResizeJournal> read(Path file) throws IOException, ImageException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        ResizeJournal journal;
        try {
            journal = JSON.readValue(bytes, ResizeJournal.class);
        } catch (IOException e) {
            throw new ImageException(
                    "resize journal " + file + " cannot be read (" + e.getMessage() + "); it is" + " left as it is", e);
        }
        if (journal.version() != VERSION) {
            throw new ImageException("resize journal " + file + " is version " + journal.version() + "; this Ballast"
                    + " reads version " + VERSION);
        }
        if (journal.done() < 0 || journal.done() > journal.steps().size()) {
            throw new ImageException("resize journal " + file + " says " + journal.done() + " of "
                    + journal.steps().size() + " steps are done");
        }
        return Optional.of(journal);
    }

    void save(Path file) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".new");
        try (FileChannel channel = FileChannel.open(
                temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer buffer =
                    ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + file + " atomically: " + e.getMessage(), e);
        }
        syncDirectory(file);
    }

    static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        syncDirectory(file);
    }

    /** Syncs the directory holding {@code file}, so a rename or deletion in it is durable. */
    static void syncDirectory(Path file) throws IOException {
        try (FileChannel directory = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }
}
