package io.ballast.worker.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Reads MBR (with the EBR chain of logical partitions) and GPT partition tables. Every length, offset and count is
 * checked against the sector and the disk before it is used; whatever does not hold is an {@link ImageException}
 * naming the field and its value. Sectors are 512 bytes.
 */
public final class PartitionTables {

    public static final int SECTOR_BYTES = 512;

    // MBR and EBR layout.
    static final int MBR_ENTRIES_OFFSET = 446;
    static final int MBR_ENTRY_BYTES = 16;
    static final int MBR_SIGNATURE_OFFSET = 510;
    static final int ENTRY_TYPE = 4;
    static final int ENTRY_START_LBA = 8;
    static final int ENTRY_SECTORS = 12;
    static final int TYPE_GPT_PROTECTIVE = 0xEE;
    private static final Set<Integer> TYPES_EXTENDED = Set.of(0x05, 0x0F, 0x85);
    private static final int MAX_LOGICAL_PARTITIONS = 128;

    // GPT header layout (UEFI 2.x, 5.3.2).
    static final long GPT_SIGNATURE = 0x5452415020494645L; // "EFI PART", little-endian
    static final int GPT_HEADER_SIZE = 12;
    static final int GPT_HEADER_CRC = 16;
    static final int GPT_MY_LBA = 24;
    static final int GPT_ALTERNATE_LBA = 32;
    static final int GPT_FIRST_USABLE_LBA = 40;
    static final int GPT_LAST_USABLE_LBA = 48;
    static final int GPT_ENTRIES_LBA = 72;
    static final int GPT_ENTRY_COUNT = 80;
    static final int GPT_ENTRY_SIZE = 84;
    static final int GPT_ENTRIES_CRC = 88;
    static final int GPT_MIN_HEADER_BYTES = 92;
    static final int GPT_MAX_ENTRIES = 4096;
    static final int GPT_ENTRY_FIRST_LBA = 32;
    static final int GPT_ENTRY_LAST_LBA = 40;

    private PartitionTables() {}

    /** The partition table of the disk in {@code image}, whose size is {@code diskBytes}. */
    public static PartitionTable read(FileChannel image, long diskBytes) throws ImageException, IOException {
        if (diskBytes < SECTOR_BYTES) {
            throw new ImageException.Refused("the disk is " + diskBytes + " bytes, shorter than one sector");
        }
        long diskSectors = diskBytes / SECTOR_BYTES;
        ByteBuffer mbr = sector(image, 0);
        if (Short.toUnsignedInt(mbr.getShort(MBR_SIGNATURE_OFFSET)) != 0xAA55) {
            // A GPT whose protective MBR was wiped is still a GPT: its headers must never be taken for free space.
            if (diskSectors >= 3 && sector(image, 1).getLong(0) == GPT_SIGNATURE) {
                return gpt(image, diskSectors);
            }
            return new PartitionTable(
                    PartitionTable.Scheme.NONE,
                    List.of(new Partition(0, new ByteRange(0, diskBytes), "none")),
                    List.of(),
                    0);
        }
        for (int i = 0; i < 4; i++) {
            if (Byte.toUnsignedInt(mbr.get(MBR_ENTRIES_OFFSET + i * MBR_ENTRY_BYTES + ENTRY_TYPE))
                    == TYPE_GPT_PROTECTIVE) {
                return gpt(image, diskSectors);
            }
        }
        return mbr(image, mbr, diskSectors);
    }

    private static PartitionTable mbr(FileChannel image, ByteBuffer mbr, long diskSectors)
            throws ImageException, IOException {
        List<Partition> partitions = new ArrayList<>();
        List<ByteRange> tableRanges = new ArrayList<>();
        tableRanges.add(new ByteRange(0, SECTOR_BYTES));
        for (int i = 0; i < 4; i++) {
            int entry = MBR_ENTRIES_OFFSET + i * MBR_ENTRY_BYTES;
            int type = Byte.toUnsignedInt(mbr.get(entry + ENTRY_TYPE));
            if (type == 0) {
                continue;
            }
            long start = Integer.toUnsignedLong(mbr.getInt(entry + ENTRY_START_LBA));
            long sectors = Integer.toUnsignedLong(mbr.getInt(entry + ENTRY_SECTORS));
            String where = "MBR entry " + (i + 1);
            checkExtent(where, start, sectors, 1, diskSectors);
            if (TYPES_EXTENDED.contains(type)) {
                logical(image, start, sectors, diskSectors, partitions, tableRanges);
            } else {
                partitions.add(new Partition(i + 1, range(start, sectors), hex(type)));
            }
        }
        checkNoOverlap(partitions, tableRanges);
        return new PartitionTable(PartitionTable.Scheme.MBR, partitions, tableRanges, 0);
    }

    /** Walks the EBR chain of the extended partition at {@code extendedStart}. */
    private static void logical(
            FileChannel image,
            long extendedStart,
            long extendedSectors,
            long diskSectors,
            List<Partition> partitions,
            List<ByteRange> tableRanges)
            throws ImageException, IOException {
        long extendedEnd = extendedStart + extendedSectors;
        Set<Long> visited = new HashSet<>();
        long ebr = extendedStart;
        int number = 5;
        while (true) {
            if (!visited.add(ebr)) {
                throw new ImageException.Refused("the EBR chain loops back to sector " + ebr);
            }
            if (number - 5 >= MAX_LOGICAL_PARTITIONS) {
                throw new ImageException.Refused(
                        "the EBR chain has more than " + MAX_LOGICAL_PARTITIONS + " logical partitions");
            }
            if (ebr < extendedStart || ebr >= extendedEnd) {
                throw new ImageException.Refused("EBR at sector " + ebr + " is outside the extended partition ["
                        + extendedStart + ", " + extendedEnd + ")");
            }
            ByteBuffer record = sector(image, ebr);
            if (Short.toUnsignedInt(record.getShort(MBR_SIGNATURE_OFFSET)) != 0xAA55) {
                throw new ImageException.Refused("EBR at sector " + ebr + " has signature 0x"
                        + Integer.toHexString(Short.toUnsignedInt(record.getShort(MBR_SIGNATURE_OFFSET)))
                        + ", not 0xaa55");
            }
            tableRanges.add(range(ebr, 1));
            int type = Byte.toUnsignedInt(record.get(MBR_ENTRIES_OFFSET + ENTRY_TYPE));
            if (type != 0) {
                long start = ebr + Integer.toUnsignedLong(record.getInt(MBR_ENTRIES_OFFSET + ENTRY_START_LBA));
                long sectors = Integer.toUnsignedLong(record.getInt(MBR_ENTRIES_OFFSET + ENTRY_SECTORS));
                String where = "logical partition " + number + " (EBR at sector " + ebr + ")";
                checkExtent(where, start, sectors, ebr + 1, diskSectors);
                if (start + sectors > extendedEnd) {
                    throw new ImageException.Refused(where + " ends at sector " + (start + sectors)
                            + ", past the extended partition's end " + extendedEnd);
                }
                partitions.add(new Partition(number, range(start, sectors), hex(type)));
            }
            number++;
            int next = MBR_ENTRIES_OFFSET + MBR_ENTRY_BYTES;
            int nextType = Byte.toUnsignedInt(record.get(next + ENTRY_TYPE));
            if (nextType == 0) {
                return;
            }
            if (!TYPES_EXTENDED.contains(nextType)) {
                throw new ImageException.Refused("EBR at sector " + ebr + " links to an entry of type 0x"
                        + hex(nextType) + ", not an extended one");
            }
            ebr = extendedStart + Integer.toUnsignedLong(record.getInt(next + ENTRY_START_LBA));
        }
    }

    private static PartitionTable gpt(FileChannel image, long diskSectors) throws ImageException, IOException {
        if (diskSectors < 3) {
            throw new ImageException.Refused("the disk has " + diskSectors + " sectors, too few for a GPT");
        }
        ByteBuffer header = sector(image, 1);
        if (header.getLong(0) != GPT_SIGNATURE) {
            throw new ImageException.Refused(
                    "the protective MBR announces a GPT, but LBA 1 has no 'EFI PART' signature");
        }
        long headerBytes = Integer.toUnsignedLong(header.getInt(GPT_HEADER_SIZE));
        if (headerBytes < GPT_MIN_HEADER_BYTES || headerBytes > SECTOR_BYTES) {
            throw new ImageException.Refused("GPT header size " + headerBytes + " is outside [" + GPT_MIN_HEADER_BYTES
                    + ", " + SECTOR_BYTES + "]");
        }
        long storedHeaderCrc = Integer.toUnsignedLong(header.getInt(GPT_HEADER_CRC));
        ByteBuffer copy = ByteBuffer.allocate((int) headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(header.duplicate().position(0).limit((int) headerBytes));
        copy.putInt(GPT_HEADER_CRC, 0);
        long headerCrc = crc(copy.array(), (int) headerBytes);
        if (headerCrc != storedHeaderCrc) {
            throw new ImageException.Refused("GPT header CRC32 is 0x" + Long.toHexString(storedHeaderCrc)
                    + " but the header" + " sums to 0x" + Long.toHexString(headerCrc));
        }
        long myLba = header.getLong(GPT_MY_LBA);
        long alternateLba = header.getLong(GPT_ALTERNATE_LBA);
        long firstUsable = header.getLong(GPT_FIRST_USABLE_LBA);
        long lastUsable = header.getLong(GPT_LAST_USABLE_LBA);
        long entriesLba = header.getLong(GPT_ENTRIES_LBA);
        long entryCount = Integer.toUnsignedLong(header.getInt(GPT_ENTRY_COUNT));
        long entrySize = Integer.toUnsignedLong(header.getInt(GPT_ENTRY_SIZE));
        if (myLba != 1) {
            throw new ImageException.Refused("GPT primary header says it is at LBA " + myLba + ", not 1");
        }
        if (entryCount == 0 || entryCount > GPT_MAX_ENTRIES) {
            throw new ImageException.Refused(
                    "GPT entry count " + entryCount + " is outside [1, " + GPT_MAX_ENTRIES + "]");
        }
        if (entrySize < 128 || entrySize > 4096 || entrySize % 8 != 0) {
            throw new ImageException.Refused("GPT entry size " + entrySize + " is not a multiple of 8 in [128, 4096]");
        }
        long entriesSectors = (entryCount * entrySize + SECTOR_BYTES - 1) / SECTOR_BYTES;
        if (entriesLba < 2 || entriesLba + entriesSectors > diskSectors) {
            throw new ImageException.Refused("GPT entry array at LBA " + entriesLba + " (" + entriesSectors
                    + " sectors) is not inside the disk's " + diskSectors + " sectors after the header");
        }
        if (alternateLba <= entriesLba || alternateLba >= diskSectors) {
            throw new ImageException.Refused("GPT alternate header LBA " + alternateLba + " is not inside the disk's "
                    + diskSectors + " sectors");
        }
        if (firstUsable < entriesLba + entriesSectors || lastUsable < firstUsable || lastUsable >= alternateLba) {
            throw new ImageException.Refused(
                    "GPT usable LBAs [" + firstUsable + ", " + lastUsable + "] do not lie between the"
                            + " primary entries (end " + (entriesLba + entriesSectors) + ") and the alternate header ("
                            + alternateLba + ")");
        }
        int arrayBytes = (int) (entryCount * entrySize);
        ByteBuffer entries = read(image, entriesLba * SECTOR_BYTES, arrayBytes);
        long storedEntriesCrc = Integer.toUnsignedLong(header.getInt(GPT_ENTRIES_CRC));
        long entriesCrc = crc(entries.array(), arrayBytes);
        if (entriesCrc != storedEntriesCrc) {
            throw new ImageException.Refused("GPT entry array CRC32 is 0x" + Long.toHexString(storedEntriesCrc)
                    + " but the entries sum to 0x" + Long.toHexString(entriesCrc));
        }
        List<Partition> partitions = new ArrayList<>();
        for (int i = 0; i < entryCount; i++) {
            int base = (int) (i * entrySize);
            if (entries.getLong(base) == 0 && entries.getLong(base + 8) == 0) {
                continue;
            }
            long first = entries.getLong(base + GPT_ENTRY_FIRST_LBA);
            long last = entries.getLong(base + GPT_ENTRY_LAST_LBA);
            if (first < firstUsable || last > lastUsable || last < first) {
                throw new ImageException.Refused("GPT entry " + (i + 1) + " spans LBA [" + first + ", " + last
                        + "], not inside the usable LBAs [" + firstUsable + ", " + lastUsable + "]");
            }
            partitions.add(new Partition(i + 1, range(first, last - first + 1), guid(entries, base)));
        }
        if (alternateLba - entriesSectors <= lastUsable) {
            throw new ImageException.Refused("GPT backup entry array (LBA " + (alternateLba - entriesSectors) + ", "
                    + entriesSectors + " sectors before the alternate header) overlaps the usable LBAs up to "
                    + lastUsable);
        }
        List<ByteRange> tableRanges = List.of(
                new ByteRange(0, (entriesLba + entriesSectors) * SECTOR_BYTES),
                new ByteRange((alternateLba - entriesSectors) * SECTOR_BYTES, (alternateLba + 1) * SECTOR_BYTES));
        checkNoOverlap(partitions, tableRanges);
        return new PartitionTable(
                PartitionTable.Scheme.GPT, partitions, tableRanges, (entriesSectors + 1) * SECTOR_BYTES);
    }

    private static void checkExtent(String where, long start, long sectors, long firstAllowed, long diskSectors)
            throws ImageException {
        if (sectors == 0) {
            throw new ImageException.Refused(where + " has 0 sectors");
        }
        if (start < firstAllowed) {
            throw new ImageException.Refused(where + " starts at sector " + start + ", before sector " + firstAllowed);
        }
        if (start + sectors > diskSectors) {
            throw new ImageException.Refused(
                    where + " ends at sector " + (start + sectors) + ", past the disk's " + diskSectors + " sectors");
        }
    }

    private static void checkNoOverlap(List<Partition> partitions, List<ByteRange> tableRanges) throws ImageException {
        for (int i = 0; i < partitions.size(); i++) {
            Partition a = partitions.get(i);
            for (int j = i + 1; j < partitions.size(); j++) {
                Partition b = partitions.get(j);
                if (a.range().overlaps(b.range())) {
                    throw new ImageException.Refused("partitions " + a.number() + " " + a.range() + " and " + b.number()
                            + " " + b.range() + " overlap");
                }
            }
            for (ByteRange table : tableRanges) {
                if (a.range().overlaps(table)) {
                    throw new ImageException.Refused(
                            "partition " + a.number() + " " + a.range() + " overlaps the partition table at " + table);
                }
            }
        }
    }

    private static ByteRange range(long startSector, long sectors) {
        return ByteRange.ofLength(startSector * SECTOR_BYTES, sectors * SECTOR_BYTES);
    }

    private static ByteBuffer sector(FileChannel image, long lba) throws ImageException, IOException {
        return read(image, lba * SECTOR_BYTES, SECTOR_BYTES);
    }

    private static ByteBuffer read(FileChannel image, long offset, int length) throws ImageException, IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            int read = image.read(buffer, offset + buffer.position());
            if (read < 0) {
                throw new ImageException.Refused("the image ends at byte " + (offset + buffer.position())
                        + ", inside the " + length + " bytes of its partition table at byte " + offset);
            }
        }
        return buffer.flip();
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }

    private static String hex(int type) {
        return String.format(Locale.ROOT, "%02x", type);
    }

    /** A GPT GUID in its usual text form (the first three fields are little-endian on disk). */
    private static String guid(ByteBuffer bytes, int base) {
        return String.format(
                Locale.ROOT,
                "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                bytes.getInt(base),
                bytes.getShort(base + 4),
                bytes.getShort(base + 6),
                bytes.get(base + 8),
                bytes.get(base + 9),
                bytes.get(base + 10),
                bytes.get(base + 11),
                bytes.get(base + 12),
                bytes.get(base + 13),
                bytes.get(base + 14),
                bytes.get(base + 15));
    }
}
