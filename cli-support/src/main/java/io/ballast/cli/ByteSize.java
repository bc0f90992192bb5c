package io.ballast.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte counts as people write them: a whole number with an optional binary suffix K, M, G or T. */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("([0-9]{1,19})([KMGT]?)", Pattern.CASE_INSENSITIVE);

    private ByteSize() {}

    /**
     * Parses {@code 1048576}, {@code 64M}, {@code 10G} (binary: K = 1024).
     *
     * @throws IllegalArgumentException naming the text, for anything else (fractions, other units, negative or
     *     more than 2^63 - 1 bytes)
     */
    public static long parse(String text) {
        Matcher matcher = SIZE.matcher(text == null ? "" : text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException(
                    "size '" + text + "' is not a whole number of bytes with an optional K, M, G or T (binary) suffix");
        }
        int shift =
                switch (matcher.group(2).toUpperCase(Locale.ROOT)) {
                    case "K" -> 10;
                    case "M" -> 20;
                    case "G" -> 30;
                    case "T" -> 40;
                    default -> 0;
                };
        try {
            long number = Long.parseLong(matcher.group(1));
            if (number > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return number << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' is more than " + Long.MAX_VALUE + " bytes");
        }
    }

    /** {@code 67108864} as {@code 64 MiB}; exact values only (else bytes). */
    public static String format(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes != 0 && bytes % (1L << shifts[i]) == 0) {
                return (bytes >> shifts[i]) + " " + units[i];
            }
        }
        return bytes + " B";
    }

    /** {@code 6442450944} as {@code 6.0 GiB}, {@code 1536} as {@code 1.5 KiB}: one decimal, for progress and reports. */
    public static String human(long bytes) {
        String[] units = {"TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            if (Math.abs(bytes) >= 1L << shifts[i]) {
                return String.format(Locale.ROOT, "%.1f %s", bytes / (double) (1L << shifts[i]), units[i]);
            }
        }
        return bytes + " B";
    }
}
