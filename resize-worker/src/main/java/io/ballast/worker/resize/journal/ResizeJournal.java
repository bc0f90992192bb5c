package io.ballast.worker.resize.journal;

import io.ballast.linux.DurableFiles;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.resize.ResizeOptions;
import io.ballast.worker.resize.ResizePlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The record of one resize, next to the image ({@code IMAGE.ballast-resize}): the image's identity, the options,
 * the whole plan (the new table's sectors included) and how many steps are done. Every save is atomic and durable (a
 * temporary file, fsync, rename, fsync of the directory), so after a crash the journal says either the old count or
 * the new one, never half of each.
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
        ResizePlan plan,
        int done) {

    /** Version 2 keeps the planned table sectors; version 1 (re-reading the table) is not continued. */
    public static final int VERSION = 2;

    /** Where the journal of resizes of {@code data} lives. */
    public static Path of(Path data) {
        return data.resolveSibling(data.getFileName() + ".ballast-resize");
    }

    public ResizeJournal withDone(int count) {
        return new ResizeJournal(version, device, inode, startedAtMillis, options, plan, count);
    }

    /**
     * The journal at {@code file}, if there is one.
     *
     * @throws ImageException.Refused when it cannot be read or is of another version; it is left as it is
     */
    public static Optional<ResizeJournal> read(Path file) throws IOException, ImageException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        ResizeJournal journal;
        try {
            journal = ResizeJson.JSON.readValue(bytes, ResizeJournal.class);
        } catch (IOException e) {
            throw new ImageException.Refused(
                    "resize journal " + file + " cannot be read (" + e.getMessage() + "); it is left as it is", e);
        }
        if (journal.version() != VERSION) {
            throw new ImageException.Refused("resize journal " + file + " is version " + journal.version()
                    + "; this Ballast reads version " + VERSION + " (finish it with the Ballast that began it)");
        }
        if (journal.done() < 0 || journal.done() > journal.plan().steps().size()) {
            throw new ImageException.Refused("resize journal " + file + " says " + journal.done() + " of "
                    + journal.plan().steps().size() + " steps are done");
        }
        return Optional.of(journal);
    }

    /** Writes the journal to {@code file}; after a crash the file holds this journal or the one before, whole. */
    public void save(Path file) throws IOException {
        DurableFiles.replace(
                file, ResizeJson.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
    }

    public static void delete(Path file) throws IOException {
        DurableFiles.delete(file);
    }
}
