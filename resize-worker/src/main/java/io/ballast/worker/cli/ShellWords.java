package io.ballast.worker.cli;

import java.util.regex.Pattern;

/** Words of a command line as a POSIX shell reads them back, for commands printed for an operator to run. */
final class ShellWords {

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=+,@%-]+");

    private ShellWords() {}

    /** {@code word} as is when the shell leaves it alone, else in single quotes. */
    static String quote(String word) {
        if (PLAIN.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
