package io.ballast.agent.ballast;

/** What applying a {@link SetSize} came to: what the agent answers, and what it remembers per filesystem. */
public sealed interface Outcome {

    long generation();

    /**
     * The ballast has the size asked for.
     *
     * @param recreated the ballast had been deleted and the agent created it again
     */
    record Applied(long generation, long actualBytes, long allocatedBytes, ExtentMap extents, boolean recreated)
            implements Outcome {}

    /** The command could not be applied; the ballast is at {@code actualBytes}. */
    record Failed(long generation, Failure failure, String detail, long actualBytes, long freeBytesSeen)
            implements Outcome {}

    /** The command is older than the newest applied one and was ignored. */
    record Stale(long generation, long newestGeneration) implements Outcome {}

    /** Why a command failed. */
    enum Failure {
        /** No room for the size; the previous size was restored. */
        NO_SPACE,
        /** The mount point is not a filesystem the agent can keep a ballast on. */
        UNKNOWN_FILESYSTEM,
        /** A system call failed. */
        IO_ERROR
    }
}
