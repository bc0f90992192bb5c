package io.ballast.worker.image;

import static io.ballast.worker.image.PartitionTables.ENTRY_SECTORS;
import static io.ballast.worker.image.PartitionTables.ENTRY_TYPE;
import static io.ballast.worker.image.PartitionTables.GPT_ALTERNATE_LBA;
import static io.ballast.worker.image.PartitionTables.GPT_ENTRIES_CRC;
import static io.ballast.worker.image.PartitionTables.GPT_ENTRIES_LBA;
import static io.ballast.worker.image.PartitionTables.GPT_ENTRY_COUNT;
import static io.ballast.worker.image.PartitionTables.GPT_ENTRY_FIRST_LBA;
import static io.ballast.worker.image.PartitionTables.GPT_ENTRY_LAST_LBA;
import static io.ballast.worker.image.PartitionTables.GPT_ENTRY_SIZE;
import static io.ballast.worker.image.PartitionTables.GPT_FIRST_USABLE_LBA;
import static io.ballast.worker.image.PartitionTables.GPT_HEADER_CRC;
import static io.ballast.worker.image.PartitionTables.GPT_HEADER_SIZE;
import static io.ballast.worker.image.PartitionTables.GPT_LAST_USABLE_LBA;
import static io.ballast.worker.image.PartitionTables.GPT_MY_LBA;
import static io.ballast.worker.image.PartitionTables.MBR_ENTRIES_OFFSET;
import static io.ballast.worker.image.PartitionTables.SECTOR_BYTES;
import static io.ballast.worker.image.PartitionTables.TYPE_GPT_PROTECTIVE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Rewrites a GPT for a new layout and, when the disk changes size, for its new end: each named partition's first and
 * last LBA, the backup entry array and header moved to the new last sectors, the usable range, both CRC32s of both
 * copies, and the protective MBR's size. Everything else in each entry (type, unique GUID, attributes, name) and in
 * the header (disk GUID) stays as it was.
 *
 * <p>Order of writes: the new backup copy first, then the primary entry array, then the primary header, each
 * synced; a reader trusts the primary header, so until it is written the old table (and its backup) stands, and
 * after it the new one does.
 */
public final class GptWriter {

    private GptWriter() {}

    /**
     * @param image the disk, at least {@code newDiskBytes} long (extend it first when the disk grows; truncate after
     *     when it shrinks)
     * @param ranges new ranges by partition number; partitions not named keep theirs
     * @throws ImageException when the current table is not a valid GPT, a number names no partition, or the new
     *     layout overlaps, leaves the usable range or is not in whole sectors; nothing is written then
     */
    public static void rewrite(FileChannel image, long diskBytes, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException, IOException {
        Prepared prepared = prepare(image, diskBytes, newDiskBytes, ranges);
        write(image, prepared.entries(), prepared.backupEntriesLba() * SECTOR_BYTES);
        write(image, prepared.backup(), prepared.backupHeaderLba() * SECTOR_BYTES);
        image.force(false);
        write(image, prepared.entries(), prepared.entriesLba() * SECTOR_BYTES);
        image.force(false);
        write(image, prepared.primary(), SECTOR_BYTES);
        ByteBuffer mbr = read(image, 0, SECTOR_BYTES);
        if (Byte.toUnsignedInt(mbr.get(MBR_ENTRIES_OFFSET + ENTRY_TYPE)) == TYPE_GPT_PROTECTIVE) {
            mbr.putInt(MBR_ENTRIES_OFFSET + ENTRY_SECTORS, (int) Math.min(prepared.newSectors() - 1, 0xFFFFFFFFL));
            write(image, mbr, 0);
        }
        if (prepared.oldBackupLba() != prepared.backupHeaderLba()
                && (prepared.oldBackupLba() + 1) * SECTOR_BYTES <= newDiskBytes) {
            // The old backup header now lies inside the disk, in free space: a stale copy there could be taken
            // for the table by a tool that looks for it.
            ByteRange old = ByteRange.ofLength(prepared.oldBackupLba() * SECTOR_BYTES, SECTOR_BYTES);
            if (prepared.layout().stream().noneMatch(old::overlaps)) {
                write(image, ByteBuffer.allocate(SECTOR_BYTES), old.startBytes());
            }
        }
        image.force(false);
    }

    /**
     * Checks that {@link #rewrite} would take this layout, writing nothing: a resize asks before it changes anything.
     *
     * @throws ImageException as {@link #rewrite} would
     */
    public static void check(FileChannel image, long diskBytes, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException, IOException {
        prepare(image, diskBytes, newDiskBytes, ranges);
    }

    /** The sectors a rewrite writes, and where. */
    private record Prepared(
            ByteBuffer entries,
            ByteBuffer backup,
            ByteBuffer primary,
            long backupEntriesLba,
            long backupHeaderLba,
            long entriesLba,
            long newSectors,
            long oldBackupLba,
            List<ByteRange> layout) {}

    private static Prepared prepare(
            FileChannel image, long diskBytes, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException, IOException {
        PartitionTable current = PartitionTables.read(image, diskBytes);
        if (current.scheme() != PartitionTable.Scheme.GPT) {
            throw new ImageException("the disk's table is " + current.scheme() + ", not GPT");
        }
        if (newDiskBytes % SECTOR_BYTES != 0 || image.size() < newDiskBytes) {
            throw new ImageException("the new disk size " + newDiskBytes + " must be whole sectors within the "
                    + image.size() + "-byte image");
        }
        ByteBuffer header = read(image, SECTOR_BYTES, SECTOR_BYTES);
        int headerBytes = header.getInt(GPT_HEADER_SIZE);
        long entriesLba = header.getLong(GPT_ENTRIES_LBA);
        int entryCount = header.getInt(GPT_ENTRY_COUNT);
        int entrySize = header.getInt(GPT_ENTRY_SIZE);
        long firstUsable = header.getLong(GPT_FIRST_USABLE_LBA);
        int arrayBytes = entryCount * entrySize;
        long arraySectors = Math.ceilDiv(arrayBytes, SECTOR_BYTES);
        long newSectors = newDiskBytes / SECTOR_BYTES;
        long backupHeaderLba = newSectors - 1;
        long backupEntriesLba = backupHeaderLba - arraySectors;
        long lastUsable = backupEntriesLba - 1;
        if (lastUsable < firstUsable) {
            throw new ImageException("a disk of " + newDiskBytes + " bytes is too small for this GPT");
        }

        ByteBuffer entries = read(image, entriesLba * SECTOR_BYTES, arrayBytes);
        List<ByteRange> layout = new ArrayList<>();
        for (Partition partition : current.partitions()) {
            ByteRange range = ranges.getOrDefault(partition.number(), partition.range());
            if (range.startBytes() % SECTOR_BYTES != 0 || range.endBytes() % SECTOR_BYTES != 0) {
                throw new ImageException("partition " + partition.number() + ": " + range + " is not whole sectors");
            }
            long first = range.startBytes() / SECTOR_BYTES;
            long last = range.endBytes() / SECTOR_BYTES - 1;
            if (first < firstUsable || last > lastUsable || last < first) {
                throw new ImageException("partition " + partition.number() + ": LBA [" + first + ", " + last
                        + "] is not inside the usable LBAs [" + firstUsable + ", " + lastUsable + "]");
            }
            for (ByteRange other : layout) {
                if (other.overlaps(range)) {
                    throw new ImageException("partition " + partition.number() + " " + range + " overlaps " + other);
                }
            }
            layout.add(range);
            int base = (partition.number() - 1) * entrySize;
            entries.putLong(base + GPT_ENTRY_FIRST_LBA, first);
            entries.putLong(base + GPT_ENTRY_LAST_LBA, last);
        }
        for (int number : ranges.keySet()) {
            if (current.partitions().stream().noneMatch(p -> p.number() == number)) {
                throw new ImageException("the GPT has no partition " + number);
            }
        }
        int entriesCrc = crc(entries, arrayBytes);

        long oldBackupLba = header.getLong(GPT_ALTERNATE_LBA);
        ByteBuffer backup = ByteBuffer.allocate(SECTOR_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        backup.put(header.duplicate().clear()).clear();
        finish(backup, headerBytes, backupHeaderLba, 1, backupEntriesLba, lastUsable, entriesCrc);
        ByteBuffer primary = header;
        finish(primary, headerBytes, 1, backupHeaderLba, entriesLba, lastUsable, entriesCrc);
        return new Prepared(
                entries,
                backup,
                primary,
                backupEntriesLba,
                backupHeaderLba,
                entriesLba,
                newSectors,
                oldBackupLba,
                layout);
    }

    private static void finish(
            ByteBuffer header,
            int headerBytes,
            long myLba,
            long alternateLba,
            long entriesLba,
            long lastUsable,
            int entriesCrc) {
        header.putLong(GPT_MY_LBA, myLba);
        header.putLong(GPT_ALTERNATE_LBA, alternateLba);
        header.putLong(GPT_ENTRIES_LBA, entriesLba);
        header.putLong(GPT_LAST_USABLE_LBA, lastUsable);
        header.putInt(GPT_ENTRIES_CRC, entriesCrc);
        header.putInt(GPT_HEADER_CRC, 0);
        header.putInt(GPT_HEADER_CRC, crc(header, headerBytes));
    }

    private static int crc(ByteBuffer buffer, int length) {
        CRC32 crc = new CRC32();
        crc.update(buffer.duplicate().clear().limit(length));
        return (int) crc.getValue();
    }

    private static ByteBuffer read(FileChannel image, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (image.read(buffer, offset + buffer.position()) < 0) {
                throw new IOException("the image ends at " + (offset + buffer.position()) + ", inside its GPT");
            }
        }
        return buffer.clear();
    }

    private static void write(FileChannel image, ByteBuffer buffer, long offset) throws IOException {
        ByteBuffer source = buffer.duplicate().clear();
        while (source.hasRemaining()) {
            image.write(source, offset + source.position());
        }
    }
}
