package io.ballast.worker.filesystem;

import io.ballast.worker.image.ImageException;
import io.ballast.worker.tools.Tool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What filesystem a partition holds, from its superblock's signature, and for ext2/3/4 how much of it is used and
 * how small it could become ({@code dumpe2fs -h} and {@code resize2fs -P} on {@code image?offset=N}, read only).
 */
public final class Filesystems {

    /** The filesystems Ballast tells apart; only ext is resized, the others are moved as they are. */
    public enum Kind {
        EXT("ext2/3/4"),
        NTFS("ntfs"),
        XFS("xfs"),
        SWAP("swap"),
        UNKNOWN("unknown");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * An ext filesystem's size, blocks in use and the smallest size resize2fs could shrink it to, in bytes, and its
     * block size.
     */
    public record ExtUsage(long sizeBytes, long usedBytes, long minimumBytes, long blockBytes) {}

    private static final int EXT_SUPERBLOCK = 1024;
    private static final int EXT_MAGIC_OFFSET = EXT_SUPERBLOCK + 56;
    private static final int EXT_MAGIC = 0xEF53;
    private static final int EXT_BLOCKS_COUNT_LO = EXT_SUPERBLOCK + 0x04;
    private static final int EXT_LOG_BLOCK_SIZE = EXT_SUPERBLOCK + 0x18;
    private static final int EXT_FEATURE_INCOMPAT = EXT_SUPERBLOCK + 0x60;
    private static final int EXT_INCOMPAT_64BIT = 0x80;
    private static final int EXT_BLOCKS_COUNT_HI = EXT_SUPERBLOCK + 0x150;
    /** ext block sizes run from 1 KiB (log 0) to 64 KiB (log 6). */
    private static final int EXT_MAX_LOG_BLOCK_SIZE = 6;

    private static final int XFS_BLOCK_SIZE = 4;
    private static final int XFS_DATA_BLOCKS = 8;
    private static final Pattern BLOCK_COUNT = Pattern.compile("(?m)^Block count:\\s+(\\d+)$");
    private static final Pattern FREE_BLOCKS = Pattern.compile("(?m)^Free blocks:\\s+(\\d+)$");
    private static final Pattern BLOCK_SIZE = Pattern.compile("(?m)^Block size:\\s+(\\d+)$");
    private static final Pattern MINIMUM = Pattern.compile("(?m)^Estimated minimum size of the filesystem: (\\d+)$");

    private Filesystems() {}

    /** The kind of filesystem starting at {@code offsetBytes} of {@code disk}. */
    public static Kind detect(FileChannel disk, long offsetBytes) throws IOException {
        ByteBuffer head = head(disk, offsetBytes);
        int length = head.position();
        byte[] bytes = head.array();
        if (length >= EXT_MAGIC_OFFSET + 2 && Short.toUnsignedInt(head.getShort(EXT_MAGIC_OFFSET)) == EXT_MAGIC) {
            return Kind.EXT;
        }
        if (length >= 11 && ascii(bytes, 3, 8).equals("NTFS    ")) {
            return Kind.NTFS;
        }
        if (length >= 4 && ascii(bytes, 0, 4).equals("XFSB")) {
            return Kind.XFS;
        }
        for (int page : new int[] {4096, 8192}) {
            if (length >= page && ascii(bytes, page - 10, 10).matches("SWAPSPACE2|SWAP-SPACE")) {
                return Kind.SWAP;
            }
        }
        return Kind.UNKNOWN;
    }

    /**
     * The size the superblock of the ext or XFS filesystem at {@code offsetBytes} gives itself, read from the
     * superblock's own fields (no tool, nothing written); empty for the other kinds, whose size Ballast does not read
     * here (NTFS's is checked with its boot sector).
     *
     * @throws ImageException.Refused when the superblock's block size is not one the filesystem can have
     */
    public static OptionalLong declaredBytes(FileChannel disk, long offsetBytes, Kind kind)
            throws ImageException, IOException {
        ByteBuffer head = head(disk, offsetBytes);
        String where = kind.label() + " superblock at byte " + offsetBytes;
        return switch (kind) {
            case EXT -> {
                int log = head.getInt(EXT_LOG_BLOCK_SIZE);
                if (log < 0 || log > EXT_MAX_LOG_BLOCK_SIZE) {
                    throw new ImageException.Refused("the " + where + " gives block size code " + log);
                }
                long blocks = Integer.toUnsignedLong(head.getInt(EXT_BLOCKS_COUNT_LO));
                if ((head.getInt(EXT_FEATURE_INCOMPAT) & EXT_INCOMPAT_64BIT) != 0) {
                    blocks |= Integer.toUnsignedLong(head.getInt(EXT_BLOCKS_COUNT_HI)) << 32;
                }
                yield OptionalLong.of(saturatingBytes(blocks, 1024L << log));
            }
            case XFS -> {
                head.order(ByteOrder.BIG_ENDIAN);
                long blockBytes = Integer.toUnsignedLong(head.getInt(XFS_BLOCK_SIZE));
                if (blockBytes < 512 || blockBytes > 65536 || Long.bitCount(blockBytes) != 1) {
                    throw new ImageException.Refused("the " + where + " gives block size " + blockBytes);
                }
                yield OptionalLong.of(saturatingBytes(head.getLong(XFS_DATA_BLOCKS), blockBytes));
            }
            default -> OptionalLong.empty();
        };
    }

    /** {@code blocks} (unsigned) of {@code blockBytes} each, or {@link Long#MAX_VALUE} when that does not fit. */
    private static long saturatingBytes(long blocks, long blockBytes) {
        return blocks < 0 || blocks > Long.MAX_VALUE / blockBytes ? Long.MAX_VALUE : blocks * blockBytes;
    }

    /** The first 8 KiB at {@code offsetBytes}, fewer when the disk ends first; little-endian, positioned at the end. */
    private static ByteBuffer head(FileChannel disk, long offsetBytes) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        while (head.hasRemaining()) {
            int read = disk.read(head, offsetBytes + head.position());
            if (read < 0) {
                break;
            }
        }
        return head;
    }

    /**
     * Size, use and minimum of the ext filesystem at {@code offsetBytes} of the file or device {@code data}.
     *
     * @throws IOException when the tools are missing or fail; the message carries what they said
     */
    public static ExtUsage extUsage(Path data, long offsetBytes) throws IOException {
        String target = data + "?offset=" + offsetBytes;
        String header = Tool.run(List.of("dumpe2fs", "-h", target));
        long blockSize = number(BLOCK_SIZE, header, "block size", target);
        long blocks = number(BLOCK_COUNT, header, "block count", target);
        long free = number(FREE_BLOCKS, header, "free blocks", target);
        long minimum = number(MINIMUM, Tool.run(List.of("resize2fs", "-P", target)), "minimum size", target);
        return new ExtUsage(blocks * blockSize, (blocks - free) * blockSize, minimum * blockSize, blockSize);
    }

    private static long number(Pattern pattern, String output, String what, String target) throws IOException {
        Matcher matcher = pattern.matcher(output);
        if (!matcher.find()) {
            throw new IOException("no " + what + " for " + target + " in: " + output.strip());
        }
        return Long.parseLong(matcher.group(1));
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }
}
