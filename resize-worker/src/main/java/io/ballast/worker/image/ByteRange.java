package io.ballast.worker.image;

/** A half-open byte range {@code [startBytes, endBytes)} of a disk. */
public record ByteRange(long startBytes, long endBytes) {

    public ByteRange {
        if (startBytes < 0 || endBytes < startBytes) {
            throw new IllegalArgumentException("[" + startBytes + ", " + endBytes + ") is not a byte range");
        }
    }

    public static ByteRange ofLength(long startBytes, long lengthBytes) {
        return new ByteRange(startBytes, Math.addExact(startBytes, lengthBytes));
    }

    public long lengthBytes() {
        return endBytes - startBytes;
    }

    public boolean overlaps(ByteRange other) {
        return startBytes < other.endBytes && other.startBytes < endBytes;
    }

    public boolean contains(ByteRange other) {
        return startBytes <= other.startBytes && other.endBytes <= endBytes;
    }

    @Override
    public String toString() {
        return "[" + startBytes + ", " + endBytes + ")";
    }
}
