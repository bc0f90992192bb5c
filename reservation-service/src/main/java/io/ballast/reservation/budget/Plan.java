package io.ballast.reservation.budget;

import java.util.Map;

/**
 * Target budgets for a datastore's disks.
 *
 * @param targets per disk id
 * @param budgetableBytes what the budgets could share (the limit less other usage, holds and overheads)
 * @param deficitBytes how far the minimums alone exceed what can be shared; 0 when they fit
 * @param unallocatedBytes what stays unplanned after every disk has its desired size: headroom for growth
 */
public record Plan(
        String datastoreId,
        Map<String, Target> targets,
        long budgetableBytes,
        long deficitBytes,
        long unallocatedBytes) {

    /**
     * One disk's plan.
     *
     * @param minimumBytes its profile's minimum free ratio kept (or a granted floor, or its pinned ballast)
     * @param desiredBytes its desired free ratio kept over forecast growth
     * @param targetBytes what it gets: the minimum and its share of the spare
     */
    public record Target(String diskId, long minimumBytes, long desiredBytes, long targetBytes) {}

    public Plan {
        targets = Map.copyOf(targets);
    }
}
