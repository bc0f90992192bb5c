package io.ballast.inventory.report;

import java.util.List;

/**
 * The rows of the operator's reports. Each is a flat record, so one row is one JSON object and one CSV line with the
 * record's components as columns, in order. Byte counts are bytes; an unknown figure is null (an empty CSV field).
 */
public final class Reports {

    private Reports() {}

    /**
     * One disk of a VM: guest-side usage joined with host-side allocation.
     *
     * @param totalBytes the guest filesystems on the disk: their size (null until an agent reports)
     * @param usedBytes what the guest uses on them, ballast excluded
     * @param freeBytes what is free on them
     * @param freePercent free in percent of total
     * @param ballastBytes the ballasts on them
     * @param backedBytes what the disk's image takes on its datastore
     * @param alignment {@code aligned}, {@code misaligned} (some partition below 64 KiB), {@code badly-misaligned}
     *     (some below 4 KiB) or {@code unknown} (no scan yet)
     */
    public record VmRow(
            String vmId,
            String vmName,
            String hostId,
            String profile,
            String powerState,
            String diskId,
            String datastoreId,
            long designatedBytes,
            Long totalBytes,
            Long usedBytes,
            Long freeBytes,
            Double freePercent,
            Long ballastBytes,
            long backedBytes,
            String alignment) {}

    /**
     * A datastore.
     *
     * @param provisionedBytes the designated bytes of every disk on it: what its guests could fill
     * @param overSubscription provisioned over capacity (above 1: thin provisioning promises more than there is)
     * @param freeBytes capacity less allocated
     */
    public record DatastoreRow(
            String datastoreId,
            String name,
            String hostIds,
            long capacityBytes,
            long allocatedBytes,
            long reserveBytes,
            long provisionedBytes,
            double overSubscription,
            long freeBytes,
            int disks) {}

    /**
     * What right-sizing one disk by its VM's profile would save, and what its resizes saved.
     *
     * @param projectedBytes how much smaller its partitions would become (null without a scan)
     * @param projectedCost that, at the configured price per GiB
     * @param realizedBytes what its finished resizes gave back to the datastore (backed bytes before less after)
     * @param status {@code projected}, {@code nothing-to-save} or {@code not-scanned} (no layout known yet)
     */
    public record SavingsRow(
            String vmId,
            String vmName,
            String profile,
            String diskId,
            Long projectedBytes,
            Double projectedCost,
            long realizedBytes,
            double realizedCost,
            String status) {}

    /** The savings of a profile's VMs together. */
    public record ProfileSavingsRow(
            String profile,
            int vms,
            long projectedBytes,
            double projectedCost,
            long realizedBytes,
            double realizedCost) {}

    /** The savings report: per disk, per profile, and the whole fleet's, at {@code pricePerGib}. */
    public record Savings(
            double pricePerGib,
            String currency,
            List<SavingsRow> disks,
            List<ProfileSavingsRow> profiles,
            long projectedBytes,
            double projectedCost,
            long realizedBytes,
            double realizedCost) {}

    /**
     * One partition's alignment, as virt-alignment-scan reports it.
     *
     * @param boundaryBytes the largest power-of-two boundary its start lies on (capped at 1 MiB)
     * @param status 0 on 64 KiB or better, 2 below 64 KiB, 3 below 4 KiB
     */
    public record AlignmentRow(
            String vmId, String diskId, int partition, long startBytes, long boundaryBytes, int status) {

        /** The status virt-alignment-scan would give a partition starting on {@code boundaryBytes}. */
        public static int status(long boundaryBytes) {
            if (boundaryBytes < 4096) {
                return 3;
            }
            return boundaryBytes < 65536 ? 2 : 0;
        }
    }

    /** A page of a report's rows; {@code next} continues after the last. */
    public record Page<T>(List<T> rows, String next) {}

    /** What a price of {@code pricePerGib} per GiB makes of {@code bytes}, to the cent. */
    public static double cost(long bytes, double pricePerGib) {
        return Math.round(bytes / (double) (1L << 30) * pricePerGib * 100) / 100.0;
    }
}
