package io.ballast.reservation.budget;

/**
 * A byte range of a virtual disk as the guest reported it for its ballast (offset from the disk's first byte).
 *
 * @param diskOffsetBytes from the start of the virtual disk
 */
public record Extent(long diskOffsetBytes, long lengthBytes) {

    public Extent {
        if (diskOffsetBytes < 0 || lengthBytes <= 0 || diskOffsetBytes > Long.MAX_VALUE - lengthBytes) {
            throw new IllegalArgumentException(
                    "extent at " + diskOffsetBytes + " of " + lengthBytes + " bytes is not a byte range");
        }
    }
}
