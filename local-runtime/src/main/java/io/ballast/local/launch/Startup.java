package io.ballast.local.launch;

import java.time.Duration;
import java.util.List;

/** How waiting for launched programs to be ready ended. */
public sealed interface Startup {

    /** Every program is ready. */
    record Ready() implements Startup {}

    /** {@code program} exited during start, with {@code exitCode}. */
    record Exited(LaunchedProgram program, int exitCode) implements Startup {}

    /** {@code notReady} were still running but not ready when {@code bound} had passed. */
    record TimedOut(List<LaunchedProgram> notReady, Duration bound) implements Startup {}
}
