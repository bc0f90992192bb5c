package io.ballast.testsupport;

import io.ballast.local.launch.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need root, loop devices or system tools call {@link #require}. Where {@code CI=true} a missing
 * prerequisite fails the test (CI must provide it); elsewhere the test is skipped with the reason.
 */
public final class SystemPrerequisites {

    private SystemPrerequisites() {}

    /** Requires root, loop devices and the named tools (looked up on PATH, /sbin and /usr/sbin). */
    public static void require(String... tools) {
        List<String> problems = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            problems.add("needs root (loop devices, mount), runs as " + System.getProperty("user.name"));
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            problems.add("needs loop devices (/dev/loop-control is missing)");
        }
        check(problems, tools);
    }

    /** Requires the named tools only (for tests that work on image files without root). */
    public static void requireTools(String... tools) {
        check(new ArrayList<>(), tools);
    }

    private static void check(List<String> problems, String... tools) {
        List<String> missing = Commands.missing(tools);
        if (!missing.isEmpty()) {
            problems.add("needs " + String.join(", ", missing) + " (see .ci/run for the Debian packages)");
        }
        if (problems.isEmpty()) {
            return;
        }
        String reason = String.join("; ", problems);
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true and a prerequisite is missing: " + reason);
        }
        Assumptions.abort(reason);
    }
}
