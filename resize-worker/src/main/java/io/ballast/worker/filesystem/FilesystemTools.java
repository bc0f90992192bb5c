package io.ballast.worker.filesystem;

import io.ballast.worker.image.ByteRange;
import io.ballast.worker.tools.Tool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The filesystem work of a resize, each on a loop device over one partition (never on the image file itself:
 * resize2fs sets a regular file's length to the filesystem's size): ext checks, shrinks and grows with an undo file,
 * undoing an interrupted one, NTFS minimum and resize, swap re-created with its UUID and label, and the free blocks
 * of an ext filesystem.
 */
public final class FilesystemTools {

    /** The first bytes of an e2undo file that has a header (written before the first block it protects). */
    private static final byte[] E2UNDO_MAGIC = "E2UNDO02".getBytes(StandardCharsets.US_ASCII);

    private static final Pattern NTFS_MINIMUM = Pattern.compile("You might resize at (\\d+) bytes");
    private static final Pattern BLOCK_SIZE = Pattern.compile("(?m)^Block size:\\s+(\\d+)$");
    private static final Pattern FREE_BLOCKS = Pattern.compile("(?m)^\\s+Free blocks: ?(.*)$");
    private static final int SWAP_UUID_OFFSET = 1024 + 12;
    private static final int SWAP_LABEL_OFFSET = 1024 + 28;
    private static final int SWAP_LABEL_BYTES = 16;

    private FilesystemTools() {}

    /**
     * {@code e2fsck -fn} of the ext filesystem at {@code offsetBytes} of {@code data}: reads only.
     *
     * @return empty when clean, else what e2fsck said
     */
    public static Optional<String> extProblems(Path data, long offsetBytes) throws IOException {
        Tool.Result result = Tool.exec(List.of("e2fsck", "-fn", data + "?offset=" + offsetBytes), Tool.DEFAULT_TIMEOUT);
        return result.exitCode() == 0
                ? Optional.empty()
                : Optional.of(result.output().strip());
    }

    /**
     * Resizes the ext filesystem on {@code device} to {@code newBytes} (rounded down to whole blocks), or to fill the
     * device when empty, first recording every block it overwrites in {@code undoFile} when one is given. The
     * filesystem must have been checked clean ({@link #extProblems}): resize2fs is told so with {@code -f}.
     */
    public static void extResize(Path device, Optional<Long> newBytes, Optional<Path> undoFile) throws IOException {
        List<String> command = new ArrayList<>(List.of("resize2fs", "-f"));
        undoFile.ifPresent(file -> command.addAll(List.of("-z", file.toString())));
        command.add(device.toString());
        newBytes.ifPresent(bytes -> command.add(bytes / 512 + "s"));
        Tool.run(command);
    }

    /** Whether {@code undoFile} protects anything: it exists and its header was written. */
    public static boolean undoRecorded(Path undoFile) throws IOException {
        if (!Files.isRegularFile(undoFile) || Files.size(undoFile) < E2UNDO_MAGIC.length) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(undoFile)) {
            ByteBuffer head = ByteBuffer.allocate(E2UNDO_MAGIC.length);
            channel.read(head, 0);
            return java.util.Arrays.equals(head.array(), E2UNDO_MAGIC);
        }
    }

    /**
     * Puts back every block {@code undoFile} recorded ({@code e2undo -f}), then lets {@code e2fsck -fp} clear the
     * not-clean mark e2undo leaves after an interrupted run. The replay is forced: a resize2fs cut off right after
     * writing the superblock leaves a superblock the undo file's copy no longer matches, and plain e2undo refuses
     * that; the undo file is the one resize2fs wrote for this very filesystem. Replaying twice is harmless, so an
     * undo cut off in turn is simply run again.
     */
    public static void extUndo(Path device, Path undoFile) throws IOException {
        Tool.run(List.of("e2undo", "-f", undoFile.toString(), device.toString()));
        Tool.Result check = Tool.exec(List.of("e2fsck", "-fp", device.toString()), Tool.DEFAULT_TIMEOUT);
        if (check.exitCode() > 1) {
            throw new IOException("after e2undo, " + Tool.failure(check).getMessage());
        }
    }

    /** The smallest size ntfsresize could shrink the NTFS on {@code device} to, in bytes (reads only). */
    public static long ntfsMinimum(Path device) throws IOException {
        String output = Tool.run(List.of("ntfsresize", "--info", "--force", "--no-progress-bar", device.toString()));
        Matcher matcher = NTFS_MINIMUM.matcher(output);
        if (!matcher.find()) {
            throw new IOException("ntfsresize --info " + device + " named no minimum size: " + output.strip());
        }
        return Long.parseLong(matcher.group(1));
    }

    /** Resizes the NTFS on {@code device} to {@code newBytes}, or to fill the device when empty. */
    public static void ntfsResize(Path device, Optional<Long> newBytes) throws IOException {
        List<String> command = new ArrayList<>(List.of("ntfsresize", "--force", "--no-progress-bar"));
        newBytes.ifPresent(bytes -> command.addAll(List.of("--size", Long.toString(bytes))));
        command.add(device.toString());
        Tool.run(command);
    }

    /** A swap area's identity, kept when it is re-created at another size. */
    public record SwapIdentity(String uuid, String label) {}

    /** The UUID and label in the swap header at {@code offsetBytes} of {@code disk}. */
    public static SwapIdentity swapIdentity(FileChannel disk, long offsetBytes) throws IOException {
        ByteBuffer header =
                ByteBuffer.allocate(SWAP_LABEL_OFFSET + SWAP_LABEL_BYTES).order(ByteOrder.BIG_ENDIAN);
        while (header.hasRemaining()) {
            if (disk.read(header, offsetBytes + header.position()) < 0) {
                throw new IOException("the image ends inside the swap header at " + offsetBytes);
            }
        }
        long high = header.getLong(SWAP_UUID_OFFSET);
        long low = header.getLong(SWAP_UUID_OFFSET + 8);
        String uuid = new java.util.UUID(high, low).toString();
        byte[] label = new byte[SWAP_LABEL_BYTES];
        header.get(SWAP_LABEL_OFFSET, label);
        int length = 0;
        while (length < label.length && label[length] != 0) {
            length++;
        }
        return new SwapIdentity(uuid, new String(label, 0, length, StandardCharsets.UTF_8));
    }

    /** Writes a new swap header on {@code device} with {@code identity}'s UUID and label. */
    public static void makeSwap(Path device, SwapIdentity identity) throws IOException {
        List<String> command = new ArrayList<>(List.of("mkswap", "-U", identity.uuid()));
        if (!identity.label().isEmpty()) {
            command.addAll(List.of("-L", identity.label()));
        }
        command.add(device.toString());
        Tool.run(command);
    }

    /**
     * The free blocks of the ext filesystem at {@code offsetBytes} of {@code data} as byte ranges of the disk, from
     * its block bitmaps ({@code dumpe2fs}, reads only).
     */
    public static List<ByteRange> extFreeRanges(Path data, long offsetBytes) throws IOException {
        String output = Tool.run(List.of("dumpe2fs", data + "?offset=" + offsetBytes));
        Matcher size = BLOCK_SIZE.matcher(output);
        if (!size.find()) {
            throw new IOException("dumpe2fs of " + data + "?offset=" + offsetBytes + " named no block size");
        }
        long blockSize = Long.parseLong(size.group(1));
        List<ByteRange> free = new ArrayList<>();
        Matcher lines = FREE_BLOCKS.matcher(output);
        while (lines.find()) {
            for (String part : lines.group(1).split(",")) {
                String range = part.strip();
                if (range.isEmpty()) {
                    continue;
                }
                String[] ends = range.split("-");
                long first = Long.parseLong(ends[0]);
                long last = ends.length > 1 ? Long.parseLong(ends[1]) : first;
                free.add(new ByteRange(offsetBytes + first * blockSize, offsetBytes + (last + 1) * blockSize));
            }
        }
        return free;
    }
}
