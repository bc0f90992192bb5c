package io.ballast.reservation.budget;

import io.ballast.support.errors.Refusal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Where a new VM's disk fits and with what effective size: on each datastore, its minimum (the template's expected
 * usage with the profile's minimum free ratio) must fit the datastore's spare room (what its budgets could still give
 * after every disk's minimum); it gets up to its desired size from that room, its ballast making up the rest of its
 * designated size. The best fit is the one with the most room left afterwards.
 */
public final class Placement {

    private Placement() {}

    /**
     * A disk to place.
     *
     * @param expectedUtilizedBytes what its guest is expected to use soon after it starts
     */
    public record Template(long designatedBytes, long overheadBytes, long expectedUtilizedBytes, Profile profile) {
        public Template {
            if (designatedBytes <= 0
                    || overheadBytes < 0
                    || expectedUtilizedBytes < 0
                    || expectedUtilizedBytes > designatedBytes) {
                throw new Refusal.InvalidInput(
                        "template",
                        "designated " + designatedBytes + ", overhead " + overheadBytes + " and expected usage "
                                + expectedUtilizedBytes + " bytes do not make a disk");
            }
        }

        long minimumBytes() {
            return Math.min(designatedBytes, Disk.roundUp((long)
                    Math.ceil(expectedUtilizedBytes / (1 - profile.minFreeRatio()))));
        }

        long desiredBytes() {
            return Math.min(designatedBytes, Disk.roundUp((long)
                    Math.ceil(expectedUtilizedBytes / (1 - profile.desiredFreeRatio()))));
        }
    }

    /**
     * The template on one datastore.
     *
     * @param fits whether its minimum fits there
     * @param effectiveBytes the budget it would get (its minimum up to its desired size, as the room allows)
     * @param ballastBytes the ballast to create it with: designated less effective
     * @param roomAfterBytes the datastore's spare room once it is placed
     * @param createsWithinHeadroom whether the datastore's headroom now holds the disk as it is created, before its
     *     ballast exists (its designated size and overhead); when not, create it with its ballast (a pinned override)
     *     or expect {@code INVARIANT_AT_RISK} until the agent has inflated it and the worker reclaimed it
     */
    public record Option(
            String datastoreId,
            boolean fits,
            long effectiveBytes,
            long ballastBytes,
            long roomAfterBytes,
            boolean createsWithinHeadroom) {}

    /** The template on each of {@code datastores}, the best fit first, then the others that fit, then the rest. */
    public static List<Option> options(Collection<Datastore> datastores, Template template) {
        List<Option> options = new ArrayList<>();
        for (Datastore datastore : datastores) {
            long room = Room.of(datastore).spareBytes() - template.overheadBytes();
            boolean fits = room >= template.minimumBytes();
            long effective = fits
                    ? Math.max(template.minimumBytes(), Math.min(template.desiredBytes(), Disk.roundDown(room)))
                    : template.minimumBytes();
            options.add(new Option(
                    datastore.id(),
                    fits,
                    effective,
                    template.designatedBytes() - effective,
                    room - effective,
                    template.designatedBytes() + template.overheadBytes()
                            <= datastore.terms().headroomBytes()));
        }
        options.sort(Comparator.comparing((Option o) -> !o.fits())
                .thenComparing(Comparator.comparingLong(Option::roomAfterBytes).reversed())
                .thenComparing(Option::datastoreId));
        return options;
    }
}
