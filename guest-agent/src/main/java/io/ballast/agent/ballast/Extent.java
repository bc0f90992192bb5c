package io.ballast.agent.ballast;

/** A byte range of the virtual disk, as the guest sees the disk. */
public record Extent(long diskOffsetBytes, long lengthBytes) {

    public Extent {
        if (diskOffsetBytes < 0 || lengthBytes <= 0) {
            throw new IllegalArgumentException(
                    "extent at " + diskOffsetBytes + " of " + lengthBytes + " bytes is not a byte range");
        }
    }

    public long endBytes() {
        return diskOffsetBytes + lengthBytes;
    }
}
