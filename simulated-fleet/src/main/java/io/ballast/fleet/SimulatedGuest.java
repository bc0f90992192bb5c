package io.ballast.fleet;

import java.util.SplittableRandom;

/**
 * What a simulated VM's guest does with its disk: one filesystem on one partition (from {@link #PARTITION_START} to
 * the disk's end), whose data grows, shrinks and bursts as its {@link Behaviour} says, and the ballast its agent keeps
 * at the partition's end. The guest's data lies from the partition's start up; the ballast, from the end down, so
 * the two never overlap and the guest never writes into its ballast. A guest cannot use more than its effective size
 * (total − ballast): a full filesystem is the guest's problem, never the host's.
 *
 * <p>Plain state and arithmetic, driven by one thread at a time (its agent's session holds its lock); the image's
 * bytes are written by {@link GuestImage} from the ranges {@link #tick} answers.
 */
final class SimulatedGuest {

    /** Where the partition starts: 1 MiB, as partitioning tools align it. */
    static final long PARTITION_START = 1L << 20;

    private static final long MIB = 1L << 20;

    /** How a guest's usage moves. */
    enum Behaviour {
        /** A small drift around where it started. */
        STEADY,
        /** Steady, with now and then a burst of a tenth to a quarter of the disk that is deleted minutes later. */
        BURSTY,
        /**
         * Grows by 3 % of its disk at every tick until its filesystem is nearly full, stays full for a while, then
         * deletes down to a third: a datastore of such guests would overflow without its ballasts.
         */
        HOT
    }

    /** What a command to size the ballast came to. */
    sealed interface Outcome {
        /** The ballast is {@code bytes}, from {@code diskOffset} to the partition's end. */
        record Applied(long bytes, long diskOffset) implements Outcome {}

        /** The filesystem has only {@code freeBytes} beside its data; the ballast stays {@code actualBytes}. */
        record NoSpace(long actualBytes, long freeBytes) implements Outcome {}

        /** An older generation than the newest applied: nothing done. */
        record Stale(long newest) implements Outcome {}
    }

    private final Behaviour behaviour;
    private final long totalBytes;
    private final SplittableRandom random;
    private final long baseBytes;
    private long utilizedBytes;
    private long ballastBytes;
    private long writtenBytes;
    private long generation;
    private int burstTicks;
    private long burstBytes;
    private int fullTicks;

    /**
     * A guest on a disk of {@code designatedBytes}, whose filesystem is {@code startShare} used and whose image holds
     * data up to {@code writtenShare} of it (files deleted since leave their blocks in the image).
     */
    SimulatedGuest(Behaviour behaviour, long designatedBytes, double startShare, double writtenShare, long seed) {
        this.behaviour = behaviour;
        this.totalBytes = designatedBytes - PARTITION_START;
        this.random = new SplittableRandom(seed);
        this.utilizedBytes = mib(totalBytes * startShare);
        this.baseBytes = utilizedBytes;
        this.writtenBytes = Math.max(utilizedBytes, mib(totalBytes * writtenShare));
    }

    long totalBytes() {
        return totalBytes;
    }

    long utilizedBytes() {
        return utilizedBytes;
    }

    long ballastBytes() {
        return ballastBytes;
    }

    long freeBytes() {
        return totalBytes - utilizedBytes - ballastBytes;
    }

    /** Whether the filesystem is all but full (under 2 % free): what its guest warns about. */
    boolean isFull() {
        return freeBytes() < totalBytes / 50;
    }

    /** The newest generation applied (0: none since the agent started). */
    long generation() {
        return generation;
    }

    /** How far from the partition's start the image holds the guest's data, deleted or not. */
    long writtenBytes() {
        return writtenBytes;
    }

    /**
     * One tick of the guest's life: its usage moves. Answers the partition's range {@code [from, to)} the guest wrote
     * beyond what it ever wrote before (empty when {@code from == to}): the image's new data.
     */
    long[] tick() {
        long wanted =
                switch (behaviour) {
                    case STEADY -> baseBytes + drift();
                    case BURSTY -> baseBytes + drift() + burst();
                    case HOT -> hot();
                };
        utilizedBytes = Math.clamp(wanted, 0, totalBytes - ballastBytes);
        long from = writtenBytes;
        writtenBytes = Math.max(writtenBytes, utilizedBytes);
        return new long[] {from, writtenBytes};
    }

    private long drift() {
        return mib(totalBytes * 0.01 * (random.nextDouble() * 2 - 1));
    }

    private long burst() {
        if (burstTicks > 0) {
            burstTicks--;
            return burstTicks == 0 ? 0 : burstBytes;
        }
        if (random.nextInt(20) == 0) {
            burstTicks = 6 + random.nextInt(12);
            burstBytes = mib(totalBytes * (0.10 + 0.15 * random.nextDouble()));
            return burstBytes;
        }
        return 0;
    }

    private long hot() {
        if (isFull()) {
            if (++fullTicks > 30) {
                fullTicks = 0;
                return totalBytes / 3;
            }
            return utilizedBytes;
        }
        return utilizedBytes + mib(totalBytes * 0.03);
    }

    /** The agent's command: the ballast to {@code targetBytes}, idempotent for a generation applied before. */
    Outcome size(long commandGeneration, long targetBytes) {
        if (commandGeneration < generation) {
            return new Outcome.Stale(generation);
        }
        long target = targetBytes;
        if (target < 0 || target > totalBytes - utilizedBytes) {
            return new Outcome.NoSpace(ballastBytes, totalBytes - utilizedBytes - ballastBytes);
        }
        generation = commandGeneration;
        ballastBytes = target;
        return new Outcome.Applied(ballastBytes, ballastOffset());
    }

    /** Where the ballast starts on the disk. */
    long ballastOffset() {
        return PARTITION_START + totalBytes - ballastBytes;
    }

    private static long mib(double bytes) {
        return (long) bytes / MIB * MIB;
    }
}
