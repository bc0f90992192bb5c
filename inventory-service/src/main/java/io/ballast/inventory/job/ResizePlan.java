package io.ballast.inventory.job;

import io.ballast.inventory.profile.Profile;
import io.ballast.support.errors.Refusal;
import java.util.ArrayList;
import java.util.List;

/**
 * The partition targets of a resize, checked against the disk's layout, and the bytes they save. A profile's targets
 * shrink each partition whose filesystem can say what it uses (and can be shrunk) so that {@code desiredFreeRatio} of
 * it stays free, with room for the guest's growth over the profile's horizon, never below the filesystem's minimum,
 * rounded up to whole MiB; a partition the profile would grow is left as it is (right-sizing by profile never takes
 * space). Given targets are refused below a filesystem's minimum, for a partition the disk does not have, or for one
 * whose filesystem cannot be resized.
 *
 * @param savingsBytes how much smaller the partitions become in total: the bytes the image can give back
 */
public record ResizePlan(List<PartitionTarget> targets, long savingsBytes) {

    /** Targets are whole MiB: every alignment mode's boundary divides it except cylinders, which the worker rounds. */
    public static final long ROUND_BYTES = 1L << 20;

    public ResizePlan {
        targets = List.copyOf(targets);
    }

    /**
     * The plan {@code profile} gives {@code layout}, leaving room for {@code growthBytesPerDay} of the disk's growth
     * (0 when unknown) for each of the profile's horizon days. The disk's growth is shared among its partitions in
     * proportion to what each uses: the guest's usage is known by filesystem and mount point, not by partition.
     */
    public static ResizePlan byProfile(Layout layout, Profile profile, long growthBytesPerDay) {
        List<Layout.Partition> resizable = layout.partitions().stream()
                .filter(partition -> partition.usedBytes().isPresent()
                        && partition.minimumBytes().isPresent())
                .toList();
        long usedOnDisk = resizable.stream()
                .mapToLong(partition -> partition.usedBytes().getAsLong())
                .sum();
        double growthOnDisk = (double) Math.max(0, growthBytesPerDay) * profile.growthHorizonDays();
        List<PartitionTarget> targets = new ArrayList<>();
        long savings = 0;
        for (Layout.Partition partition : resizable) {
            long used = partition.usedBytes().getAsLong();
            long growth = usedOnDisk == 0 ? 0 : Math.round(growthOnDisk * used / usedOnDisk);
            long wanted = (long) Math.ceil((used + growth) / (1 - profile.desiredFreeRatio()));
            long target = roundUp(Math.max(wanted, partition.minimumBytes().getAsLong()));
            if (target < partition.sizeBytes()) {
                targets.add(new PartitionTarget(partition.number(), target));
                savings += partition.sizeBytes() - target;
            }
        }
        return new ResizePlan(targets, savings);
    }

    /**
     * {@code targets} checked against {@code layout}.
     *
     * @throws Refusal.InvalidInput naming each target that is not possible
     */
    public static ResizePlan of(Layout layout, List<PartitionTarget> targets) {
        List<Refusal.FieldError> errors = new ArrayList<>();
        long savings = 0;
        for (int i = 0; i < targets.size(); i++) {
            PartitionTarget target = targets.get(i);
            String field = "targets[" + i + "]";
            var partition = layout.partition(target.partition());
            if (partition.isEmpty()) {
                errors.add(new Refusal.FieldError(
                        field, "disk " + layout.diskId() + " has no partition " + target.partition()));
                continue;
            }
            Layout.Partition known = partition.get();
            if (target.sizeBytes() <= 0) {
                errors.add(new Refusal.FieldError(field, "a size is positive"));
            } else if (target.sizeBytes() != known.sizeBytes()
                    && known.minimumBytes().isEmpty()) {
                errors.add(new Refusal.FieldError(
                        field,
                        "partition " + known.number() + " holds " + known.filesystem() + ", which cannot be resized"));
            } else if (known.minimumBytes().isPresent()
                    && target.sizeBytes() < known.minimumBytes().getAsLong()) {
                errors.add(new Refusal.FieldError(
                        field,
                        target.sizeBytes() + " bytes is below partition " + known.number() + "'s filesystem minimum of "
                                + known.minimumBytes().getAsLong() + " bytes"));
            } else {
                savings += known.sizeBytes() - target.sizeBytes();
            }
        }
        if (targets.stream().map(PartitionTarget::partition).distinct().count() < targets.size()) {
            errors.add(new Refusal.FieldError("targets", "each partition takes one target"));
        }
        if (!errors.isEmpty()) {
            throw Refusal.InvalidInput.naming("the targets do not fit disk " + layout.diskId(), errors);
        }
        return new ResizePlan(targets, savings);
    }

    private static long roundUp(long bytes) {
        return Math.ceilDiv(bytes, ROUND_BYTES) * ROUND_BYTES;
    }
}
