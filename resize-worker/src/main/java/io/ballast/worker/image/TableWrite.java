package io.ballast.worker.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Every sector a new partition table is made of, computed before anything is written, in the order they must reach
 * the disk, with the syncs between them. Applying it is idempotent: the bytes do not depend on what the disk holds,
 * so a table write cut off anywhere is finished by applying the same {@code TableWrite} again, never by reading a
 * half-written table back. A resize keeps it in its journal before the first byte of it is written.
 */
public record TableWrite(List<Sector> sectors) {

    /**
     * Bytes written at {@code offsetBytes}; when {@code syncAfter}, the disk is synced before the next one, so a
     * reader never sees a later sector without this one.
     */
    public record Sector(long offsetBytes, byte[] bytes, boolean syncAfter) {

        public Sector {
            if (offsetBytes < 0 || offsetBytes % PartitionTables.SECTOR_BYTES != 0 || bytes.length == 0) {
                throw new IllegalArgumentException(
                        bytes.length + " bytes at " + offsetBytes + " are not whole sectors of a table");
            }
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        public ByteRange range() {
            return ByteRange.ofLength(offsetBytes, bytes.length);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Sector sector
                    && sector.offsetBytes == offsetBytes
                    && sector.syncAfter == syncAfter
                    && Arrays.equals(sector.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offsetBytes) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Sector[" + offsetBytes + ", " + bytes.length + " bytes" + (syncAfter ? ", sync" : "") + "]";
        }
    }

    public TableWrite {
        sectors = List.copyOf(sectors);
        if (sectors.isEmpty() || !sectors.getLast().syncAfter()) {
            throw new IllegalArgumentException("a table write ends with a sync");
        }
    }

    /** Writes every sector in order, syncing where it says; the disk must be at least as long as the last one. */
    public void apply(FileChannel disk) throws IOException {
        for (Sector sector : sectors) {
            ByteBuffer source = ByteBuffer.wrap(sector.bytes);
            while (source.hasRemaining()) {
                disk.write(source, sector.offsetBytes + source.position());
            }
            if (sector.syncAfter) {
                disk.force(false);
            }
        }
    }

    /** The end of the last byte any sector writes. */
    public long endBytes() {
        return sectors.stream().mapToLong(s -> s.range().endBytes()).max().orElse(0);
    }
}
