package io.ballast.agent.cli;

/** The agent's exit codes, the same for every command. */
final class ExitCodes {

    /** Done; the report was printed, or the daemon stopped on SIGTERM. */
    static final int DONE = 0;
    /** An operation that failed (no space, a system call error, a daemon that cannot start). */
    static final int FAILED = 1;
    /** A request the agent refuses (bad usage or input, an unusable place, a bad configuration). */
    static final int REFUSED = 2;

    private ExitCodes() {}
}
