package io.ballast.inventory.profile;

import io.ballast.support.errors.Refusal;
import io.ballast.support.inventory.DefaultProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A VM category's rules: how much free space its guest filesystems keep (online, through the ballast, and offline,
 * when right-sizing), how it ranks for spare space, how far ahead growth is allowed for, how partitions are aligned,
 * and when its VMs are right-sized.
 *
 * @param minFreeRatio share of each guest filesystem that stays free at the least, 0 to 0.95
 * @param desiredFreeRatio share kept free when there is room and the share a right-sized filesystem keeps free,
 *     {@code minFreeRatio} to 0.95
 * @param priority rank for spare space, 0 to 100, higher first
 * @param growthHorizonDays how many days of the guest's growth a right-sized filesystem leaves room for, 0 to 3650
 * @param alignment what moved partitions are aligned to
 * @param noAlign partition numbers never re-aligned, ascending
 * @param schedule when its VMs are right-sized; empty for never on a schedule
 */
public record Profile(
        String name,
        double minFreeRatio,
        double desiredFreeRatio,
        int priority,
        int growthHorizonDays,
        Alignment alignment,
        List<Integer> noAlign,
        Optional<Schedule> schedule) {

    /** What a profile's name looks like: it goes into URLs and onto the bus. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    public static final int MAX_GROWTH_HORIZON_DAYS = 3650;

    /** The profile of a VM that names none; it cannot be changed. */
    public static final Profile DEFAULT = new Profile(
            DefaultProfile.NAME,
            DefaultProfile.MIN_FREE_RATIO,
            DefaultProfile.DESIRED_FREE_RATIO,
            DefaultProfile.PRIORITY,
            7,
            Alignment.MIB_1,
            List.of(),
            Optional.empty());

    /** @throws Refusal.InvalidInput naming every field that is out of range (nothing is kept then) */
    public Profile {
        noAlign = List.copyOf(new TreeSet<>(noAlign));
        List<Refusal.FieldError> errors = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            errors.add(new Refusal.FieldError("name", "must match " + NAME.pattern()));
        }
        double max = DefaultProfile.MAX_FREE_RATIO;
        if (!(minFreeRatio >= 0 && minFreeRatio <= max)) {
            errors.add(new Refusal.FieldError("minFreeRatio", minFreeRatio + " is outside 0 to " + max));
        }
        if (!(desiredFreeRatio >= 0 && desiredFreeRatio <= max)) {
            errors.add(new Refusal.FieldError("desiredFreeRatio", desiredFreeRatio + " is outside 0 to " + max));
        } else if (desiredFreeRatio < minFreeRatio) {
            errors.add(new Refusal.FieldError(
                    "desiredFreeRatio",
                    desiredFreeRatio + " is less than minFreeRatio " + minFreeRatio + ": a profile keeps at least"
                            + " its minimum free"));
        }
        if (priority < 0 || priority > 100) {
            errors.add(new Refusal.FieldError("priority", priority + " is outside 0 to 100"));
        }
        if (growthHorizonDays < 0 || growthHorizonDays > MAX_GROWTH_HORIZON_DAYS) {
            errors.add(new Refusal.FieldError(
                    "growthHorizonDays", growthHorizonDays + " is outside 0 to " + MAX_GROWTH_HORIZON_DAYS));
        }
        if (noAlign.stream().anyMatch(number -> number < 1)) {
            errors.add(new Refusal.FieldError("noAlign", "partition numbers start at 1"));
        }
        if (!errors.isEmpty()) {
            throw Refusal.InvalidInput.naming("profile " + name + " is not valid", errors);
        }
    }

    public boolean isDefault() {
        return name.equals(DefaultProfile.NAME);
    }
}
