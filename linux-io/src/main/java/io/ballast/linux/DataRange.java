package io.ballast.linux;

/** A half-open byte range {@code [startBytes, endBytes)} of a file that holds data (between two holes). */
public record DataRange(long startBytes, long endBytes) {

    public DataRange {
        if (startBytes < 0 || endBytes < startBytes) {
            throw new IllegalArgumentException("[" + startBytes + ", " + endBytes + ") is not a byte range");
        }
    }

    public long lengthBytes() {
        return endBytes - startBytes;
    }
}
