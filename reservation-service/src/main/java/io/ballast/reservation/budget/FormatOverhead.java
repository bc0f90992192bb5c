package io.ballast.reservation.budget;

/**
 * What an image format takes beyond the guest's data, counted in a disk's worst-case demand: nothing for raw files,
 * block devices and VMDK flat extents; for qcow2, its L2 tables and refcounts at the default 64 KiB clusters (8 bytes
 * of L2 and 2 of refcount per cluster) plus 1 MiB of header and L1, rounded up to a MiB; the same bound for a sparse
 * VMDK's grain tables.
 */
public final class FormatOverhead {

    private static final long CLUSTER_BYTES = 64L << 10;
    private static final long METADATA_PER_CLUSTER = 10;
    private static final long FIXED_BYTES = 1L << 20;

    private FormatOverhead() {}

    /** The overhead of an image holding a disk of {@code designatedBytes}, {@code sparseFormat} for qcow2 or VMDK sparse. */
    public static long bytes(boolean sparseFormat, long designatedBytes) {
        if (!sparseFormat) {
            return 0;
        }
        long clusters = Math.ceilDiv(designatedBytes, CLUSTER_BYTES);
        return Disk.roundUp(clusters * METADATA_PER_CLUSTER + FIXED_BYTES);
    }
}
