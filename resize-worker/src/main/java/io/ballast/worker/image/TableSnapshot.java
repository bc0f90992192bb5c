package io.ballast.worker.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of a partition table as they were before a resize: every range the table occupies (the MBR and each EBR
 * in chain order, or the GPT's head and tail), copied. A resize moves data over old EBRs, so the new MBR table is
 * built from this copy, and a table can always be put back as it was.
 */
public record TableSnapshot(long diskBytes, List<Piece> pieces) {

    /** The bytes at {@code offsetBytes}. */
    public record Piece(long offsetBytes, byte[] bytes) {

        public Piece {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Piece piece
                    && piece.offsetBytes == offsetBytes
                    && Arrays.equals(piece.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(offsetBytes) * 31 + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Piece[" + offsetBytes + ", " + bytes.length + " bytes]";
        }
    }

    public TableSnapshot {
        pieces = List.copyOf(pieces);
    }

    /** Copies the ranges {@code table} occupies on {@code image}. */
    public static TableSnapshot of(FileChannel image, long diskBytes, PartitionTable table) throws IOException {
        List<Piece> pieces = new ArrayList<>();
        for (ByteRange range : table.tableRanges()) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(range.lengthBytes()));
            while (buffer.hasRemaining()) {
                if (image.read(buffer, range.startBytes() + buffer.position()) < 0) {
                    throw new IOException("the image ends inside its partition table at " + range);
                }
            }
            pieces.add(new Piece(range.startBytes(), buffer.array()));
        }
        return new TableSnapshot(diskBytes, pieces);
    }

    /** Writes every piece back where it was, and syncs. */
    public void restore(FileChannel image) throws IOException {
        for (Piece piece : pieces) {
            ByteBuffer buffer = ByteBuffer.wrap(piece.bytes);
            while (buffer.hasRemaining()) {
                image.write(buffer, piece.offsetBytes + buffer.position());
            }
        }
        image.force(false);
    }
}
