package io.ballast.reservation.budget;

/**
 * How a datastore's worst-case demand is bounded.
 *
 * <ul>
 *   <li>{@link Strict}: {@code demand <= capacity - reserve}; no guest can ever make the datastore run out.
 *   <li>{@link Relaxed}: {@code demand <= ratio * (capacity - reserve)}, an over-subscription ratio an operator opts
 *       into per datastore; time-to-full alerts warn before forecast growth uses the real space up.
 * </ul>
 */
public sealed interface Mode {

    /** The bound on worst-case demand for a datastore whose usable space is {@code usableBytes}. */
    long limitBytes(long usableBytes);

    /** The design's default: never more demand than space. */
    record Strict() implements Mode {
        @Override
        public long limitBytes(long usableBytes) {
            return usableBytes;
        }
    }

    /**
     * Demand up to {@code ratio} times the space.
     *
     * @param ratio from 1 (as strict) to {@link #MAX_RATIO}
     */
    record Relaxed(double ratio) implements Mode {

        /** An over-subscription beyond this is a typing error, not a policy. */
        public static final double MAX_RATIO = 10.0;

        public Relaxed {
            if (!(ratio >= 1.0 && ratio <= MAX_RATIO)) {
                throw new IllegalArgumentException("relaxed ratio " + ratio + " is outside 1 to " + MAX_RATIO);
            }
        }

        @Override
        public long limitBytes(long usableBytes) {
            return (long) Math.floor(ratio * usableBytes);
        }
    }
}
