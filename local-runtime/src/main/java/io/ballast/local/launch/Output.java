package io.ballast.local.launch;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Where a launched program's standard output and standard error go, together and line by line as written; each kind
 * can be read back through {@link LaunchedProgram#output()}.
 */
public sealed interface Output {

    /** Into {@code file} (created or emptied), e.g. a log a failed test or benchmark points to. */
    record LogFile(Path file) implements Output {}

    /**
     * To {@code target}, each line as {@code [tag] line}, for several programs sharing one terminal; the last
     * {@link #KEPT_LINES} lines are kept for reading back.
     */
    record Prefixed(String tag, PrintStream target) implements Output {

        /** How many of the latest lines are kept. */
        public static final int KEPT_LINES = 500;
    }

    /** Kept in memory, every line, for short programs and tests. */
    record Captured() implements Output {}
}
