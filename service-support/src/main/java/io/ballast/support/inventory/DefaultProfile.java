package io.ballast.support.inventory;

/**
 * The profile of a VM that names none (inventory's empty profile name): what its guest filesystems keep free and how
 * it ranks for spare space. Inventory shows it under {@link #NAME} and never lets it change; the reservation service
 * plans with it. One home for both, so they never disagree.
 */
public final class DefaultProfile {

    /** The name inventory shows it under; no profile of this name can be created. */
    public static final String NAME = "default";

    /** Share of each guest filesystem that stays free at the least. */
    public static final double MIN_FREE_RATIO = 0.10;

    /** Share given when the datastore has room. */
    public static final double DESIRED_FREE_RATIO = 0.20;

    /** Rank for spare space, 0 to 100, higher first. */
    public static final int PRIORITY = 50;

    /** The most any profile's free ratio may be: a filesystem that must stay 95 % free holds nearly nothing. */
    public static final double MAX_FREE_RATIO = 0.95;

    private DefaultProfile() {}
}
