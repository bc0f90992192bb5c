package io.ballast.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** An option's value as a duration: a whole number with {@code ms}, {@code s}, {@code m} or {@code h}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern FORM = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    /** {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}. */
    public static Duration parse(String value) {
        Matcher matcher = FORM.matcher(value == null ? "" : value.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a duration like 500ms, 30s, 2m or 1h");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    @Override
    public Duration convert(String value) {
        try {
            return parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
