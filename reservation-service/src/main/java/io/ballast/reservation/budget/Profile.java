package io.ballast.reservation.budget;

import io.ballast.support.inventory.DefaultProfile;

/**
 * How much free space a disk's guest filesystems keep, and how its disk ranks when spare space is shared.
 *
 * @param name the profile's name as inventory knows it (e.g. {@code web}, {@code vdi})
 * @param minFreeRatio the share of each filesystem (ballast excluded) that stays free at the least: a disk never gets
 *     a budget that leaves less; 0 to under 1
 * @param desiredFreeRatio the share the planner gives when the datastore has room; at least {@code minFreeRatio}
 * @param priority who gets spare space first: higher first, 0 to 100
 */
public record Profile(String name, double minFreeRatio, double desiredFreeRatio, int priority) {

    /** The profile of a disk whose VM names none: 10 % free at the least, 20 % when there is room, priority 50. */
    public static final Profile DEFAULT = new Profile(
            DefaultProfile.NAME,
            DefaultProfile.MIN_FREE_RATIO,
            DefaultProfile.DESIRED_FREE_RATIO,
            DefaultProfile.PRIORITY);

    /** The most a free ratio may be: a filesystem that must stay 95 % free holds nearly nothing. */
    public static final double MAX_FREE_RATIO = DefaultProfile.MAX_FREE_RATIO;

    public Profile {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a profile has a name");
        }
        if (!(minFreeRatio >= 0 && minFreeRatio <= MAX_FREE_RATIO)) {
            throw new IllegalArgumentException("minFreeRatio " + minFreeRatio + " is outside 0 to " + MAX_FREE_RATIO);
        }
        if (!(desiredFreeRatio >= minFreeRatio && desiredFreeRatio <= MAX_FREE_RATIO)) {
            throw new IllegalArgumentException("desiredFreeRatio " + desiredFreeRatio + " is outside minFreeRatio ("
                    + minFreeRatio + ") to " + MAX_FREE_RATIO);
        }
        if (priority < 0 || priority > 100) {
            throw new IllegalArgumentException("priority " + priority + " is outside 0 to 100");
        }
    }
}
