package io.ballast.worker.move;

import io.ballast.worker.image.ByteRange;

/**
 * Moving {@code lengthBytes} of a disk image from {@code sourceBytes} to {@code destinationBytes}, within the image.
 * Source and destination may overlap. Offsets and length are whole 512-byte sectors.
 */
public record Move(long sourceBytes, long destinationBytes, long lengthBytes) {

    static final int SECTOR_BYTES = 512;

    public Move {
        if (sourceBytes < 0 || destinationBytes < 0 || lengthBytes <= 0) {
            throw new IllegalArgumentException("a move needs offsets of 0 or more and a positive length, not "
                    + sourceBytes + " -> " + destinationBytes + " (" + lengthBytes + " bytes)");
        }
        if (sourceBytes == destinationBytes) {
            throw new IllegalArgumentException("moving " + lengthBytes + " bytes from " + sourceBytes + " to itself");
        }
        if (sourceBytes % SECTOR_BYTES != 0
                || destinationBytes % SECTOR_BYTES != 0
                || lengthBytes % SECTOR_BYTES != 0) {
            throw new IllegalArgumentException("a move is in whole 512-byte sectors, not " + sourceBytes + " -> "
                    + destinationBytes + " (" + lengthBytes + " bytes)");
        }
        Math.addExact(sourceBytes, lengthBytes);
        Math.addExact(destinationBytes, lengthBytes);
    }

    public ByteRange source() {
        return ByteRange.ofLength(sourceBytes, lengthBytes);
    }

    public ByteRange destination() {
        return ByteRange.ofLength(destinationBytes, lengthBytes);
    }

    /** Towards the start of the image: chunks go in ascending order, so no chunk overwrites source not yet read. */
    public boolean leftward() {
        return destinationBytes < sourceBytes;
    }

    /** How many chunks of {@code chunkBytes} the move takes. */
    long chunks(int chunkBytes) {
        return Math.ceilDiv(lengthBytes, chunkBytes);
    }

    /**
     * The part of the moved range, relative to its start, that chunk {@code index} covers: chunks run from the start
     * for a leftward move and from the end for a rightward one, so each chunk's destination only ever covers source
     * that earlier chunks have already copied (or its own).
     */
    ByteRange chunk(long index, int chunkBytes) {
        if (leftward()) {
            long start = index * chunkBytes;
            return new ByteRange(start, Math.min(lengthBytes, start + chunkBytes));
        }
        long end = lengthBytes - index * chunkBytes;
        return new ByteRange(Math.max(0, end - chunkBytes), end);
    }

    @Override
    public String toString() {
        return lengthBytes + " bytes from " + sourceBytes + " to " + destinationBytes;
    }
}
