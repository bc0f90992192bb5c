package io.ballast.reservation.budget;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Plans a datastore's budgets. Every disk gets at least its minimum ({@code utilized / (1 - minFreeRatio)} per
 * filesystem, never under a granted floor, at most its designated size); what is left is shared by priority, the
 * highest first, up to each disk's desired size over forecast growth (within one priority in proportion to what each
 * still wants). What no disk wants stays unplanned: it is the headroom growth requests and new disks are granted
 * from. Pure: reads the datastore, changes nothing.
 */
public final class Planner {

    private Planner() {}

    public static Plan plan(Datastore datastore, Duration horizon) {
        long budgetable = datastore.budgetableBytes();
        Map<String, Plan.Target> targets = new LinkedHashMap<>();
        List<Want> wants = new ArrayList<>();
        long minimums = 0;
        for (Disk disk : datastore.disks()) {
            long minimum = disk.minimumBudgetBytes();
            long desired = minimum;
            if (disk.pinnedBallastBytes().isEmpty()) {
                long growth = disk.history().forecast().growthBytes(horizon);
                desired = Math.max(
                        minimum,
                        Math.min(
                                disk.designatedBytes(),
                                disk.effectiveKeepingFree(disk.profile().desiredFreeRatio(), growth)));
            }
            minimums += minimum;
            wants.add(new Want(disk, minimum, desired));
        }
        long spare = budgetable - minimums;
        long deficit = Math.max(0, -spare);
        Map<String, Long> extra = new TreeMap<>();
        if (spare > 0) {
            wants.sort(Comparator.comparingInt((Want w) -> -w.disk.profile().priority())
                    .thenComparing(w -> w.disk.id()));
            int from = 0;
            while (from < wants.size() && spare > 0) {
                int priority = wants.get(from).disk.profile().priority();
                int to = from;
                long need = 0;
                while (to < wants.size() && wants.get(to).disk.profile().priority() == priority) {
                    need += wants.get(to).desired - wants.get(to).minimum;
                    to++;
                }
                long share = Math.min(need, spare);
                long given = 0;
                for (int i = from; i < to; i++) {
                    Want want = wants.get(i);
                    long wanted = want.desired - want.minimum;
                    long part = need == 0 ? 0 : Disk.roundDown((long) ((double) share * wanted / need));
                    extra.put(want.disk.id(), part);
                    given += part;
                }
                spare -= given;
                from = to;
                if (share < need) {
                    break; // this priority wanted more than there was: what rounding left is no lower priority's
                }
            }
        }
        for (Want want : wants) {
            long target = want.minimum + extra.getOrDefault(want.disk.id(), 0L);
            targets.put(want.disk.id(), new Plan.Target(want.disk.id(), want.minimum, want.desired, target));
        }
        return new Plan(datastore.id(), targets, budgetable, deficit, Math.max(0, spare));
    }

    private record Want(Disk disk, long minimum, long desired) {}
}
