package io.ballast.cli;

/**
 * The exit codes of every Ballast program. A caller can tell from the code alone whether anything changed:
 * {@link #REFUSED} promises nothing did, {@link #FAILED} does not (the message says what was left and how to go on).
 */
public final class ExitCode {

    /** Done: what was asked is done (or there was nothing to do), and the report was printed. */
    public static final int DONE = 0;

    /** Failed: an operation went wrong on the way (an I/O or tool error, a peer gone); see the message. */
    public static final int FAILED = 1;

    /** Refused: bad usage or input, or a request the program will not carry out; nothing changed. */
    public static final int REFUSED = 2;

    private ExitCode() {}
}
