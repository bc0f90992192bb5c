package io.ballast.worker.image;

import static io.ballast.worker.image.PartitionTables.ENTRY_SECTORS;
import static io.ballast.worker.image.PartitionTables.ENTRY_START_LBA;
import static io.ballast.worker.image.PartitionTables.ENTRY_TYPE;
import static io.ballast.worker.image.PartitionTables.MBR_ENTRIES_OFFSET;
import static io.ballast.worker.image.PartitionTables.MBR_ENTRY_BYTES;
import static io.ballast.worker.image.PartitionTables.MBR_SIGNATURE_OFFSET;
import static io.ballast.worker.image.PartitionTables.SECTOR_BYTES;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes an MBR table for a new layout from the {@link TableSnapshot} taken before anything moved: the primary
 * entries get their new start and size, the extended partition is fitted around its logical partitions, and the EBR
 * chain is written afresh, each EBR two sectors before its logical partition (the first one at the extended
 * partition's start; Linux takes an extended partition to be two sectors long and drops a first logical partition
 * that overlaps them). Boot flags, types, the boot code and the disk signature stay as they were. Every entry's CHS
 * start and end are recomputed for the geometry the disk's table already used (255 heads and 63 sectors per track
 * when it says nothing), and set to the 1023/254/63 marker past what CHS can address.
 *
 * <p>The new table is a {@link TableWrite}: the EBRs first, synced, then the MBR, synced. It is computed from the
 * snapshot, never from the disk, so a write cut off anywhere is finished by writing the same sectors again.
 */
public final class MbrWriter {

    private static final int CHS_START = 1;
    private static final int CHS_END = 5;
    private static final int TYPE_EXTENDED_CHS = 0x05;
    private static final int MAX_CHS_CYLINDER = 1023;
    private static final long EBR_GAP_SECTORS = 2;

    /** Heads per cylinder and sectors per track: the geometry CHS values are computed in. */
    public record Geometry(int heads, int sectorsPerTrack) {
        public static final Geometry DEFAULT = new Geometry(255, 63);

        public Geometry {
            if (heads < 1 || heads > 255 || sectorsPerTrack < 1 || sectorsPerTrack > 63) {
                throw new IllegalArgumentException(
                        "geometry " + heads + " heads, " + sectorsPerTrack + " sectors per track is not CHS");
            }
        }

        /** The three CHS bytes of an entry (head; sector and cylinder bits 8-9; cylinder bits 0-7). */
        byte[] chs(long lba) {
            long perCylinder = (long) heads * sectorsPerTrack;
            long cylinder = lba / perCylinder;
            if (cylinder > MAX_CHS_CYLINDER) {
                return new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF};
            }
            int head = (int) (lba / sectorsPerTrack % heads);
            int sector = (int) (lba % sectorsPerTrack) + 1;
            return new byte[] {(byte) head, (byte) (sector | ((cylinder >> 2) & 0xC0)), (byte) cylinder};
        }
    }

    private MbrWriter() {}

    /**
     * @param original the snapshot of the MBR table taken before the resize began
     * @param ranges new ranges by partition number; partitions not named keep theirs
     * @throws ImageException when the snapshot is not an MBR table, a number names no partition, or the new layout
     *     overlaps, leaves the disk, has no free sector for an EBR before a logical partition, or is not in whole
     *     sectors; nothing is written then
     */
    public static void rewrite(
            FileChannel image, TableSnapshot original, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException, IOException {
        if (newDiskBytes > image.size()) {
            throw new ImageException.Refused(
                    "the new disk size " + newDiskBytes + " is past the end of the " + image.size() + "-byte image");
        }
        plan(original, newDiskBytes, ranges).apply(image);
    }

    /**
     * The sectors of the new table, computed from the snapshot (writing nothing).
     *
     * @throws ImageException.Refused as {@link #rewrite} would
     */
    public static TableWrite plan(TableSnapshot original, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException {
        Sectors built = build(original, newDiskBytes, ranges);
        List<TableWrite.Sector> sectors = new ArrayList<>();
        for (int i = 0; i < built.ebrs().size(); i++) {
            sectors.add(new TableWrite.Sector(
                    built.ebrLbas().get(i) * SECTOR_BYTES,
                    built.ebrs().get(i).array(),
                    i == built.ebrs().size() - 1));
        }
        sectors.add(new TableWrite.Sector(0, built.mbr().array(), true));
        return new TableWrite(sectors);
    }

    /** The MBR and the EBRs, at their LBAs, for the new layout. */
    private record Sectors(ByteBuffer mbr, List<ByteBuffer> ebrs, List<Long> ebrLbas) {}

    /** Sectors {@code [start, end)} of the disk. */
    private record SectorRange(long start, long end) {
        long count() {
            return end - start;
        }

        boolean overlaps(SectorRange other) {
            return start < other.end && other.start < end;
        }
    }

    private static Sectors build(TableSnapshot original, long newDiskBytes, Map<Integer, ByteRange> ranges)
            throws ImageException {
        Parsed table = parse(original);
        if (newDiskBytes % SECTOR_BYTES != 0) {
            throw new ImageException.Refused("the new disk size " + newDiskBytes + " is not whole sectors");
        }
        long diskSectors = newDiskBytes / SECTOR_BYTES;
        for (int number : ranges.keySet()) {
            if (!table.numbers().contains(number)) {
                throw new ImageException.Refused("the MBR table has no partition " + number);
            }
        }
        Geometry geometry = geometry(table);
        ByteBuffer mbr = ByteBuffer.wrap(original.pieces().getFirst().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        List<SectorRange> layout = new ArrayList<>();
        for (int slot = 0; slot < 4; slot++) {
            int entry = MBR_ENTRIES_OFFSET + slot * MBR_ENTRY_BYTES;
            int type = Byte.toUnsignedInt(mbr.get(entry + ENTRY_TYPE));
            if (type == 0 || slot == table.extendedSlot()) {
                continue;
            }
            SectorRange sectors = sectors(slot + 1, ranges, table, 1, diskSectors);
            layout.add(sectors);
            setEntry(mbr, entry, sectors.start(), sectors.count(), geometry);
        }

        List<ByteBuffer> ebrs = new ArrayList<>();
        List<Long> ebrLbas = new ArrayList<>();
        if (table.extendedSlot() >= 0) {
            List<SectorRange> logicals = new ArrayList<>();
            for (int i = 0; i < table.logicalEntries().size(); i++) {
                SectorRange sectors = sectors(5 + i, ranges, table, 1 + EBR_GAP_SECTORS, diskSectors);
                logicals.add(sectors);
                ebrLbas.add(sectors.start() - EBR_GAP_SECTORS);
                layout.add(new SectorRange(sectors.start() - EBR_GAP_SECTORS, sectors.end()));
            }
            long extendedStart = ebrLbas.getFirst();
            long extendedEnd = logicals.getLast().end();
            if (table.extendedReachedDiskEnd()) {
                extendedEnd = diskSectors;
            }
            for (int i = 0; i < logicals.size(); i++) {
                ByteBuffer ebr = ByteBuffer.allocate(SECTOR_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                ebr.put(MBR_ENTRIES_OFFSET, table.logicalEntries().get(i));
                long ebrLba = ebrLbas.get(i);
                SectorRange sectors = logicals.get(i);
                setEntry(ebr, MBR_ENTRIES_OFFSET, sectors.start(), sectors.count(), geometry);
                ebr.putInt(MBR_ENTRIES_OFFSET + ENTRY_START_LBA, (int) (sectors.start() - ebrLba));
                if (i + 1 < logicals.size()) {
                    int link = MBR_ENTRIES_OFFSET + MBR_ENTRY_BYTES;
                    long nextEbr = ebrLbas.get(i + 1);
                    ebr.put(link + ENTRY_TYPE, (byte) table.linkType());
                    setEntry(ebr, link, nextEbr, logicals.get(i + 1).end() - nextEbr, geometry);
                    ebr.putInt(link + ENTRY_START_LBA, (int) (nextEbr - extendedStart));
                }
                ebr.putShort(MBR_SIGNATURE_OFFSET, (short) 0xAA55);
                ebrs.add(ebr);
            }
            int entry = MBR_ENTRIES_OFFSET + table.extendedSlot() * MBR_ENTRY_BYTES;
            setEntry(mbr, entry, extendedStart, extendedEnd - extendedStart, geometry);
        }
        checkNoOverlap(layout);
        return new Sectors(mbr, ebrs, ebrLbas);
    }

    /** The table as the snapshot holds it: which slot is extended, each logical's entry, the link type. */
    private record Parsed(
            List<Integer> numbers,
            int extendedSlot,
            List<byte[]> logicalEntries,
            int linkType,
            boolean extendedReachedDiskEnd,
            List<byte[]> allEntries) {}

    private static Parsed parse(TableSnapshot snapshot) throws ImageException {
        List<TableSnapshot.Piece> pieces = snapshot.pieces();
        if (pieces.isEmpty()
                || pieces.getFirst().offsetBytes() != 0
                || pieces.getFirst().bytes().length != SECTOR_BYTES) {
            throw new ImageException.Refused("the snapshot does not begin with an MBR sector");
        }
        ByteBuffer mbr = ByteBuffer.wrap(pieces.getFirst().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        if (Short.toUnsignedInt(mbr.getShort(MBR_SIGNATURE_OFFSET)) != 0xAA55) {
            throw new ImageException.Refused("the snapshot's sector 0 has no MBR signature");
        }
        List<Integer> numbers = new ArrayList<>();
        List<byte[]> allEntries = new ArrayList<>();
        int extendedSlot = -1;
        boolean reachedEnd = false;
        for (int slot = 0; slot < 4; slot++) {
            int entry = MBR_ENTRIES_OFFSET + slot * MBR_ENTRY_BYTES;
            int type = Byte.toUnsignedInt(mbr.get(entry + ENTRY_TYPE));
            if (type == PartitionTables.TYPE_GPT_PROTECTIVE) {
                throw new ImageException.Refused("the snapshot is a GPT's protective MBR, not an MBR table");
            }
            if (type == 0) {
                continue;
            }
            allEntries.add(entry(mbr, entry));
            if (type == 0x05 || type == 0x0F || type == 0x85) {
                extendedSlot = slot;
                long end = Integer.toUnsignedLong(mbr.getInt(entry + ENTRY_START_LBA))
                        + Integer.toUnsignedLong(mbr.getInt(entry + ENTRY_SECTORS));
                reachedEnd = end * SECTOR_BYTES >= snapshot.diskBytes() - SECTOR_BYTES;
            } else {
                numbers.add(slot + 1);
            }
        }
        List<byte[]> logicals = new ArrayList<>();
        int linkType = TYPE_EXTENDED_CHS;
        for (int i = 1; i < pieces.size(); i++) {
            ByteBuffer ebr = ByteBuffer.wrap(pieces.get(i).bytes()).order(ByteOrder.LITTLE_ENDIAN);
            if (Byte.toUnsignedInt(ebr.get(MBR_ENTRIES_OFFSET + ENTRY_TYPE)) == 0) {
                throw new ImageException.Refused("EBR at byte " + pieces.get(i).offsetBytes() + " holds no partition; a"
                        + " chain with empty links would renumber the logical partitions after it");
            }
            byte[] entry = entry(ebr, MBR_ENTRIES_OFFSET);
            logicals.add(entry);
            allEntries.add(entry);
            numbers.add(4 + i);
            int link = Byte.toUnsignedInt(ebr.get(MBR_ENTRIES_OFFSET + MBR_ENTRY_BYTES + ENTRY_TYPE));
            if (link != 0) {
                linkType = link;
            }
        }
        if (extendedSlot >= 0 && logicals.isEmpty()) {
            throw new ImageException.Refused("the extended partition holds no logical partitions; remove it (sfdisk"
                    + " --delete) before resizing");
        }
        return new Parsed(numbers, extendedSlot, logicals, linkType, reachedEnd, allEntries);
    }

    /**
     * The geometry the existing entries were written in: a CHS end that closes a cylinder names the heads and
     * sectors per track (as fdisk infers it); the default when no entry does.
     */
    private static Geometry geometry(Parsed table) {
        for (byte[] entry : table.allEntries()) {
            int head = Byte.toUnsignedInt(entry[CHS_END]);
            int sector = entry[CHS_END + 1] & 0x3F;
            int cylinder =
                    (Byte.toUnsignedInt(entry[CHS_END + 1]) & 0xC0) << 2 | Byte.toUnsignedInt(entry[CHS_END + 2]);
            if (sector == 0 || head == 255 || cylinder >= MAX_CHS_CYLINDER) {
                continue;
            }
            long last = ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).getInt(ENTRY_START_LBA) & 0xFFFFFFFFL;
            last += (ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).getInt(ENTRY_SECTORS) & 0xFFFFFFFFL) - 1;
            Geometry candidate = new Geometry(head + 1, sector);
            // Only a guess that maps the end back to the entry's own last LBA is taken (a logical entry's start
            // is relative to its EBR, so its guesses never are).
            if (((long) cylinder * candidate.heads() + head) * sector + sector - 1 == last) {
                return candidate;
            }
        }
        return Geometry.DEFAULT;
    }

    private static SectorRange sectors(
            int number, Map<Integer, ByteRange> ranges, Parsed table, long firstAllowed, long diskSectors)
            throws ImageException {
        ByteRange range = ranges.get(number);
        if (range == null) {
            throw new ImageException.Refused("partition " + number + " has no place in the new layout");
        }
        if (range.startBytes() % SECTOR_BYTES != 0 || range.endBytes() % SECTOR_BYTES != 0) {
            throw new ImageException.Refused("partition " + number + ": " + range + " is not whole sectors");
        }
        long start = range.startBytes() / SECTOR_BYTES;
        long end = range.endBytes() / SECTOR_BYTES;
        if (start < firstAllowed || end > diskSectors || end <= start) {
            throw new ImageException.Refused("partition " + number + ": sectors [" + start + ", " + end
                    + ") are not inside" + " the disk's sectors [" + firstAllowed + ", " + diskSectors + ")");
        }
        if (end > 0xFFFFFFFFL) {
            throw new ImageException.Refused("partition " + number + " would end at sector " + end + ", past what MBR"
                    + " can address (2^32 sectors); use GPT");
        }
        return new SectorRange(start, end);
    }

    private static void setEntry(ByteBuffer sector, int entry, long start, long count, Geometry geometry) {
        sector.putInt(entry + ENTRY_START_LBA, (int) start);
        sector.putInt(entry + ENTRY_SECTORS, (int) count);
        sector.put(entry + CHS_START, geometry.chs(start));
        sector.put(entry + CHS_END, geometry.chs(start + count - 1));
    }

    private static void checkNoOverlap(List<SectorRange> layout) throws ImageException {
        for (int i = 0; i < layout.size(); i++) {
            for (int j = i + 1; j < layout.size(); j++) {
                SectorRange a = layout.get(i);
                SectorRange b = layout.get(j);
                if (a.overlaps(b)) {
                    throw new ImageException.Refused("sectors [" + a.start() + ", " + a.end() + ") and [" + b.start()
                            + ", " + b.end()
                            + ") overlap in the new layout (an EBR goes two sectors before its logical partition)");
                }
            }
        }
    }

    private static byte[] entry(ByteBuffer sector, int offset) {
        byte[] entry = new byte[MBR_ENTRY_BYTES];
        sector.get(offset, entry);
        return entry;
    }
}
