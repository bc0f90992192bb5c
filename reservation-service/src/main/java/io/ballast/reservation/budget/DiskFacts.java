package io.ballast.reservation.budget;

/**
 * What inventory says of a virtual disk.
 *
 * @param overheadBytes what its image format takes beyond the guest's data (see {@link FormatOverhead})
 * @param punchable whether ranges can be punched out of its image (raw, block device, VMDK flat)
 */
public record DiskFacts(
        String diskId,
        String vmId,
        long designatedBytes,
        long overheadBytes,
        String imagePath,
        String serial,
        boolean punchable) {}
