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
 * the header (disk GUID, entry count and size) stays as it was.
 *
 * <p>The new table is computed as a {@link TableWrite} from the {@link TableSnapshot} taken before anything changed,
 * so it can be journaled and written again after a crash without reading the half-written table back. Order of
 * writes: the new backup copy, synced; the primary entry array, synced; the primary header, the protective MBR and
 * the wiping of a stale old backup header, synced. A reader trusts the primary header, so until it is written the
 * old table stands, and after it the new one does.
 */
public final class GptWriter {

    private GptWriter() {}

    /**
     * Rewrites the GPT of {@code image} in place for a new layout: plans it from the table as it is now and applies
     * it. (A resize plans from its snapshot and journals the plan first.)
     *
     * @param image the disk, at least {@code newDiskBytes} long (extend it first when the disk grows; truncate after
     *     when it shrinks)
     * @param ranges new ranges by partition number; partitions not named keep theirs
     * @throws ImageException.Refused as {@link #plan} does; nothing is written then
     */
    public static void rewrite(FileChannel image, long diskBytes, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException, IOException {
        PartitionTable current = PartitionTables.read(image, diskBytes);
        if (image.size() < newDiskBytes) {
            throw new ImageException.Refused(
                    "the new disk size " + newDiskBytes + " is past the end of the " + image.size() + "-byte image");
        }
        plan(current, TableSnapshot.of(image, diskBytes, current), newDiskBytes, ranges)
                .apply(image);
    }

    /**
     * The sectors of the new GPT, computed from the table as it was (writing nothing).
     *
     * @param current the table as {@link PartitionTables} read it when {@code snapshot} was taken
     * @param ranges new ranges by partition number; partitions not named keep theirs
     * @throws ImageException.Refused when the table is not a GPT, a number names no partition, or the new layout
     *     overlaps, leaves the usable range, is not in whole sectors, or the new disk is too small for the table
     */
    public static TableWrite plan(
            PartitionTable current, TableSnapshot snapshot, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException {
        if (current.scheme() != PartitionTable.Scheme.GPT) {
            throw new ImageException.Refused("the disk's table is " + current.scheme() + ", not GPT");
        }
        if (newDiskBytes % SECTOR_BYTES != 0 || newDiskBytes <= 0) {
            throw new ImageException.Refused("the new disk size " + newDiskBytes + " is not whole sectors");
        }
        TableSnapshot.Piece head = snapshot.pieces().getFirst();
        ByteBuffer headBytes = ByteBuffer.wrap(head.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (head.offsetBytes() != 0 || headBytes.capacity() < 2 * SECTOR_BYTES) {
            throw new ImageException.Refused("the snapshot does not begin with the GPT's protective MBR and header");
        }
        ByteBuffer header = copy(headBytes, SECTOR_BYTES, SECTOR_BYTES);
        int headerBytes = header.getInt(GPT_HEADER_SIZE);
        long entriesLba = header.getLong(GPT_ENTRIES_LBA);
        int entryCount = header.getInt(GPT_ENTRY_COUNT);
        int entrySize = header.getInt(GPT_ENTRY_SIZE);
        long firstUsable = header.getLong(GPT_FIRST_USABLE_LBA);
        int arrayBytes = entryCount * entrySize;
        long arraySectors = Math.ceilDiv(arrayBytes, SECTOR_BYTES);
        if (entriesLba * SECTOR_BYTES + arraySectors * SECTOR_BYTES > headBytes.capacity()) {
            throw new ImageException.Refused("the snapshot's head ends before the GPT entry array");
        }
        long newSectors = newDiskBytes / SECTOR_BYTES;
        long backupHeaderLba = newSectors - 1;
        long backupEntriesLba = backupHeaderLba - arraySectors;
        long lastUsable = backupEntriesLba - 1;
        if (lastUsable < firstUsable) {
            throw new ImageException.Refused("a disk of " + newDiskBytes + " bytes is too small for this GPT");
        }

        ByteBuffer entries = copy(headBytes, (int) (entriesLba * SECTOR_BYTES), (int) (arraySectors * SECTOR_BYTES));
        List<ByteRange> layout = new ArrayList<>();
        for (Partition partition : current.partitions()) {
            ByteRange range = ranges.getOrDefault(partition.number(), partition.range());
            if (range.startBytes() % SECTOR_BYTES != 0 || range.endBytes() % SECTOR_BYTES != 0) {
                throw new ImageException.Refused(
                        "partition " + partition.number() + ": " + range + " is not whole sectors");
            }
            long first = range.startBytes() / SECTOR_BYTES;
            long last = range.endBytes() / SECTOR_BYTES - 1;
            if (first < firstUsable || last > lastUsable || last < first) {
                throw new ImageException.Refused("partition " + partition.number() + ": LBA [" + first + ", " + last
                        + "] is not inside the usable LBAs [" + firstUsable + ", " + lastUsable + "]");
            }
            for (ByteRange other : layout) {
                if (other.overlaps(range)) {
                    throw new ImageException.Refused(
                            "partition " + partition.number() + " " + range + " overlaps " + other);
                }
            }
            layout.add(range);
            int base = (partition.number() - 1) * entrySize;
            entries.putLong(base + GPT_ENTRY_FIRST_LBA, first);
            entries.putLong(base + GPT_ENTRY_LAST_LBA, last);
        }
        for (int number : ranges.keySet()) {
            if (current.partitions().stream().noneMatch(p -> p.number() == number)) {
                throw new ImageException.Refused("the GPT has no partition " + number);
            }
        }
        int entriesCrc = crc(entries, arrayBytes);

        long oldBackupLba = header.getLong(GPT_ALTERNATE_LBA);
        ByteBuffer backup = copy(header, 0, SECTOR_BYTES);
        finish(backup, headerBytes, backupHeaderLba, 1, backupEntriesLba, lastUsable, entriesCrc);
        ByteBuffer primary = header;
        finish(primary, headerBytes, 1, backupHeaderLba, entriesLba, lastUsable, entriesCrc);

        List<TableWrite.Sector> sectors = new ArrayList<>();
        sectors.add(new TableWrite.Sector(backupEntriesLba * SECTOR_BYTES, entries.array(), false));
        sectors.add(new TableWrite.Sector(backupHeaderLba * SECTOR_BYTES, backup.array(), true));
        sectors.add(new TableWrite.Sector(entriesLba * SECTOR_BYTES, entries.array(), true));
        sectors.add(new TableWrite.Sector(SECTOR_BYTES, primary.array(), false));
        ByteBuffer mbr = copy(headBytes, 0, SECTOR_BYTES);
        if (Byte.toUnsignedInt(mbr.get(MBR_ENTRIES_OFFSET + ENTRY_TYPE)) == TYPE_GPT_PROTECTIVE) {
            mbr.putInt(MBR_ENTRIES_OFFSET + ENTRY_SECTORS, (int) Math.min(newSectors - 1, 0xFFFFFFFFL));
            sectors.add(new TableWrite.Sector(0, mbr.array(), false));
        }
        ByteRange oldBackup = ByteRange.ofLength(oldBackupLba * SECTOR_BYTES, SECTOR_BYTES);
        if (oldBackupLba != backupHeaderLba
                && oldBackup.endBytes() <= newDiskBytes
                && layout.stream().noneMatch(oldBackup::overlaps)
                && !ByteRange.ofLength(backupEntriesLba * SECTOR_BYTES, (arraySectors + 1) * SECTOR_BYTES)
                        .overlaps(oldBackup)) {
            // The old backup header now lies inside the disk, in free space: a stale copy there could be taken
            // for the table by a tool that looks for it.
            sectors.add(new TableWrite.Sector(oldBackup.startBytes(), new byte[SECTOR_BYTES], false));
        }
        TableWrite.Sector last = sectors.removeLast();
        sectors.add(new TableWrite.Sector(last.offsetBytes(), last.bytes(), true));
        return new TableWrite(sectors);
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

    /** A little-endian copy of {@code length} bytes of {@code source} from {@code offset}. */
    private static ByteBuffer copy(ByteBuffer source, int offset, int length) {
        byte[] bytes = new byte[length];
        source.get(offset, bytes);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
