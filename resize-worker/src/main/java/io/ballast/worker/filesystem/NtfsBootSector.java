package io.ballast.worker.filesystem;

import io.ballast.worker.image.ImageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * An NTFS boot sector, every field checked against the sector and the partition before it is used. NTFS keeps two
 * copies: the primary in the partition's first sector and the backup in its last, where ntfsfix looks for it and
 * where ntfsresize writes it when it grows a volume (when it shrinks one it leaves the old backup where it was; mkntfs
 * given fewer sectors than its device has puts it right after the volume). Windows boots from the hidden-sectors
 * field (the partition's start)
 * and the CHS geometry, which ntfsresize on a loop device clears. The hidden-sectors field is read but not checked:
 * it names where the partition was, and is rewritten whenever the partition moves.
 *
 * @param bytesPerSector 512, 1024, 2048 or 4096
 * @param clusterBytes bytes per cluster
 * @param totalSectors the volume's sectors (the backup boot sector lies after them, in the partition's last sector)
 * @param mftCluster where the MFT starts, in clusters
 */
public record NtfsBootSector(
        int bytesPerSector,
        long clusterBytes,
        NtfsGeometry geometry,
        long hiddenSectors,
        long totalSectors,
        long mftCluster,
        byte[] bytes) {

    /**
     * The CHS geometry a boot sector records: heads (0 to 255) and sectors per track (0 to 63), as a BIOS can
     * address them; 0 is what ntfsresize on a loop device writes and means "not set".
     */
    public record NtfsGeometry(int heads, int sectorsPerTrack) {
        public NtfsGeometry {
            if (heads < 0 || heads > MAX_HEADS || sectorsPerTrack < 0 || sectorsPerTrack > MAX_SECTORS_PER_TRACK) {
                throw new IllegalArgumentException("CHS geometry of " + heads + " heads and " + sectorsPerTrack
                        + " sectors per track is outside 0-" + MAX_HEADS + " and 0-" + MAX_SECTORS_PER_TRACK);
            }
        }
    }

    private static final int MAX_HEADS = 255;
    private static final int MAX_SECTORS_PER_TRACK = 63;

    static final int SECTOR_BYTES = 512;
    private static final String OEM_ID = "NTFS    ";
    private static final int OEM_OFFSET = 0x03;
    private static final int BYTES_PER_SECTOR = 0x0B;
    private static final int SECTORS_PER_CLUSTER = 0x0D;
    private static final int SECTORS_PER_TRACK = 0x18;
    private static final int HEADS = 0x1A;
    private static final int HIDDEN_SECTORS = 0x1C;
    private static final int TOTAL_SECTORS = 0x28;
    private static final int MFT_CLUSTER = 0x30;
    private static final int SIGNATURE = 0x1FE;
    private static final long MAX_CLUSTER_BYTES = 2L << 20;

    public NtfsBootSector {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Reads and checks the boot sector at {@code startBytes} of {@code disk}, for a partition of
     * {@code partitionBytes}.
     *
     * @throws ImageException.Refused naming the field and its value when the sector is not an NTFS boot sector that
     *     fits the partition
     */
    public static NtfsBootSector read(FileChannel disk, long startBytes, long partitionBytes)
            throws ImageException, IOException {
        ByteBuffer sector = ByteBuffer.allocate(SECTOR_BYTES);
        while (sector.hasRemaining()) {
            if (disk.read(sector, startBytes + sector.position()) < 0) {
                throw new ImageException.Refused("the image ends inside the NTFS boot sector at byte " + startBytes);
            }
        }
        return parse(sector.array(), partitionBytes, "the NTFS boot sector at byte " + startBytes);
    }

    /** Checks one sector's bytes as an NTFS boot sector of a partition of {@code partitionBytes}. */
    static NtfsBootSector parse(byte[] sector, long partitionBytes, String where) throws ImageException {
        if (sector.length != SECTOR_BYTES) {
            throw new ImageException.Refused(where + " is " + sector.length + " bytes, not " + SECTOR_BYTES);
        }
        ByteBuffer boot = ByteBuffer.wrap(sector).order(ByteOrder.LITTLE_ENDIAN);
        String oem = new String(sector, OEM_OFFSET, OEM_ID.length(), StandardCharsets.US_ASCII);
        if (!oem.equals(OEM_ID)) {
            throw new ImageException.Refused(where + " has OEM id '" + oem.strip() + "', not 'NTFS'");
        }
        int signature = Short.toUnsignedInt(boot.getShort(SIGNATURE));
        if (signature != 0xAA55) {
            throw new ImageException.Refused(
                    where + " has signature 0x" + Integer.toHexString(signature) + ", not 0xaa55");
        }
        int bytesPerSector = Short.toUnsignedInt(boot.getShort(BYTES_PER_SECTOR));
        if (bytesPerSector < 512 || bytesPerSector > 4096 || Integer.bitCount(bytesPerSector) != 1) {
            throw new ImageException.Refused(where + " has " + bytesPerSector + " bytes per sector");
        }
        int clusterCode = Byte.toUnsignedInt(boot.get(SECTORS_PER_CLUSTER));
        // up to 128 the count itself; above, a negative power of two (2^(256 - code) sectors), as Windows writes
        long clusterBytes = clusterCode <= 0x80
                ? (long) clusterCode * bytesPerSector
                : (clusterCode >= 0xE0 ? (long) bytesPerSector << (256 - clusterCode) : 0);
        if (clusterBytes == 0 || Long.bitCount(clusterBytes) != 1 || clusterBytes > MAX_CLUSTER_BYTES) {
            throw new ImageException.Refused(
                    where + " has sectors-per-cluster code 0x" + Integer.toHexString(clusterCode));
        }
        int sectorsPerTrack = Short.toUnsignedInt(boot.getShort(SECTORS_PER_TRACK));
        int heads = Short.toUnsignedInt(boot.getShort(HEADS));
        if (heads > MAX_HEADS || sectorsPerTrack > MAX_SECTORS_PER_TRACK) {
            throw new ImageException.Refused(where + " records a CHS geometry of " + heads + " heads and "
                    + sectorsPerTrack + " sectors per track, more than a BIOS addresses (" + MAX_HEADS + ", "
                    + MAX_SECTORS_PER_TRACK + ")");
        }
        long hidden = Integer.toUnsignedLong(boot.getInt(HIDDEN_SECTORS));
        long total = boot.getLong(TOTAL_SECTORS);
        long partitionSectors = partitionBytes / bytesPerSector;
        // the backup boot sector takes the sector after the volume, so the volume is at most one sector short of it
        if (total <= 0 || total >= partitionSectors) {
            throw new ImageException.Refused(where + " says the volume has " + total + " sectors, but the partition"
                    + " has " + partitionSectors + " and keeps its last for the backup boot sector");
        }
        long mft = boot.getLong(MFT_CLUSTER);
        if (mft < 0 || mft >= Math.ceilDiv(total * bytesPerSector, clusterBytes)) {
            throw new ImageException.Refused(where + " puts the MFT at cluster " + mft + ", outside the volume");
        }
        return new NtfsBootSector(
                bytesPerSector, clusterBytes, new NtfsGeometry(heads, sectorsPerTrack), hidden, total, mft, sector);
    }

    /**
     * Where the backup copies of this boot sector go in a partition of {@code partitionBytes} starting at
     * {@code startBytes}: the partition's last sector, and the sector right after the volume when that is another.
     */
    public List<Long> backupOffsets(long startBytes, long partitionBytes) {
        long last = startBytes + partitionBytes - bytesPerSector;
        long afterVolume = startBytes + totalSectors * bytesPerSector;
        return afterVolume < last ? List.of(last, afterVolume) : List.of(last);
    }

    /**
     * Checks that the NTFS volume in {@code [startBytes, startBytes + partitionBytes)} has a valid primary boot sector
     * and, in the partition's last sector, a backup with the same bytes, as ntfsresize leaves a volume it grew to
     * fill its device.
     *
     * @throws ImageException.Refused naming the copy that is not a boot sector or differs from the primary
     */
    public static NtfsBootSector requireBackupAgrees(FileChannel disk, long startBytes, long partitionBytes)
            throws ImageException, IOException {
        NtfsBootSector primary = read(disk, startBytes, partitionBytes);
        long backupOffset = startBytes + partitionBytes - primary.bytesPerSector;
        NtfsBootSector backup = read(disk, backupOffset, partitionBytes);
        if (!Arrays.equals(backup.bytes, primary.bytes)) {
            throw new ImageException.Refused("the backup NTFS boot sector at byte " + backupOffset
                    + " differs from the primary at byte " + startBytes);
        }
        return primary;
    }

    /**
     * This boot sector for a partition starting at {@code startBytes} with {@code geometry}: the hidden-sectors field
     * (the start in this volume's sectors) and the CHS geometry set, everything else kept.
     *
     * @throws ImageException.Refused when the start is not whole sectors or does not fit the 32-bit field
     */
    public byte[] placedAt(long startBytes, NtfsGeometry geometry) throws ImageException {
        if (startBytes % bytesPerSector != 0) {
            throw new ImageException.Refused(
                    "byte " + startBytes + " is not on a " + bytesPerSector + "-byte sector of this NTFS volume");
        }
        long startSector = startBytes / bytesPerSector;
        if (startSector > 0xFFFFFFFFL) {
            throw new ImageException.Refused("an NTFS boot sector records its partition's start in 32 bits; sector "
                    + startSector + " does not fit");
        }
        ByteBuffer boot = ByteBuffer.wrap(bytes()).order(ByteOrder.LITTLE_ENDIAN);
        boot.putShort(SECTORS_PER_TRACK, (short) geometry.sectorsPerTrack());
        boot.putShort(HEADS, (short) geometry.heads());
        boot.putInt(HIDDEN_SECTORS, (int) startSector);
        return boot.array();
    }
}
