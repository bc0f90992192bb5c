package io.ballast.local.fleet;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulated fleet's summary line, as {@code ./ballast up} prints it every 30 s ({@code [fleet] fleet: 900/900
 * agents connected; … 0 sessions ended}): the one description of its form, which the fleet writes by and whoever
 * watches the fleet from outside (the stack bench) reads by.
 */
public final class FleetSummary {

    /** How {@code ./ballast up} prefixes each line of the fleet's. */
    public static final String PREFIX = "[fleet] ";

    /** The line as the fleet prints it: agents connected (1), of all (2), sessions ended since the last one (3). */
    public static final Pattern LINE =
            Pattern.compile("^fleet: (\\d+)/(\\d+) agents connected;.* (\\d+) sessions ended$");

    private FleetSummary() {}

    /** The summary in a line of {@code ./ballast up}'s output; a match only for a summary. */
    public static Matcher inStackOutput(String line) {
        return LINE.matcher(line.startsWith(PREFIX) ? line.substring(PREFIX.length()) : "");
    }
}
