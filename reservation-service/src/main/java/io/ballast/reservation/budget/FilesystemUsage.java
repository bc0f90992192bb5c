package io.ballast.reservation.budget;

/**
 * One guest filesystem of a disk as its agent last reported it.
 *
 * @param mountPoint inside the guest, e.g. {@code /} or {@code /var}
 * @param totalBytes the filesystem's size
 * @param utilizedBytes what the guest uses, ballast excluded
 * @param freeBytes what the guest could still write (the ballast is not free)
 * @param ballastBytes the ballast the agent sees on it
 */
public record FilesystemUsage(
        String mountPoint, long totalBytes, long utilizedBytes, long freeBytes, long ballastBytes) {

    public FilesystemUsage {
        if (mountPoint == null || mountPoint.isBlank()) {
            throw new IllegalArgumentException("a filesystem has a mount point");
        }
        if (totalBytes < 0 || utilizedBytes < 0 || freeBytes < 0 || ballastBytes < 0) {
            throw new IllegalArgumentException("negative usage of " + mountPoint);
        }
    }

    /**
     * The most ballast this filesystem can hold while keeping {@code freeRatio} of the rest free: the ballast {@code
     * b} satisfies {@code (total - utilized - b) >= freeRatio * (total - b)}. Never more than the filesystem has
     * unused (free plus the ballast it holds now).
     */
    public long maxBallastBytes(double freeRatio) {
        long keepEffective = (long) Math.ceil(utilizedBytes / (1.0 - freeRatio));
        long byRatio = Math.max(0, totalBytes - keepEffective);
        return Math.min(byRatio, freeBytes + ballastBytes);
    }
}
