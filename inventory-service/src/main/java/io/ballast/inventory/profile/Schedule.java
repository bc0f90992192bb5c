package io.ballast.inventory.profile;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.ballast.support.errors.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * When a profile's VMs are right-sized: a cron expression (the five fields of Unix cron, in UTC, e.g. {@code 0 2 * *
 * SAT}) opens a maintenance window of {@code window} at each of its times; jobs start only inside a window.
 */
public final class Schedule {

    /** The shortest window: the schedules are checked about once a minute. */
    public static final Duration MIN_WINDOW = Duration.ofMinutes(1);

    /** The longest window: a week (a window as long as the gap between firings would never close). */
    public static final Duration MAX_WINDOW = Duration.ofDays(7);

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String expression;
    private final ExecutionTime times;
    private final Duration window;

    private Schedule(String expression, Cron cron, Duration window) {
        this.expression = expression;
        this.times = ExecutionTime.forCron(cron);
        this.window = window;
    }

    /**
     * The schedule of {@code expression} with windows of {@code window}.
     *
     * @throws Refusal.InvalidInput naming {@code schedule} or {@code window} if either is not valid
     */
    public static Schedule of(String expression, Duration window) {
        Cron cron;
        try {
            cron = PARSER.parse(expression.strip()).validate();
        } catch (IllegalArgumentException e) {
            throw new Refusal.InvalidInput(
                    "schedule",
                    "'" + expression + "' is no cron expression (minute hour day month weekday): " + e.getMessage());
        }
        if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0 || window.getNano() != 0) {
            throw new Refusal.InvalidInput(
                    "window", window + " must be whole seconds from " + MIN_WINDOW + " to " + MAX_WINDOW);
        }
        return new Schedule(expression.strip(), cron, window);
    }

    public String expression() {
        return expression;
    }

    public Duration window() {
        return window;
    }

    /** The window open at {@code now}: the start of the latest firing whose window has not closed, if any. */
    public Optional<Instant> openWindowAt(Instant now) {
        ZonedDateTime at = now.atZone(ZoneOffset.UTC);
        // a firing exactly at now opens a window now: look from just after it
        return times.lastExecution(at.plusNanos(1))
                .map(ZonedDateTime::toInstant)
                .filter(start -> !now.isBefore(start) && now.isBefore(start.plus(window)));
    }

    /** The next firing after {@code now}. */
    public Optional<Instant> nextAfter(Instant now) {
        return times.nextExecution(now.atZone(ZoneOffset.UTC)).map(ZonedDateTime::toInstant);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Schedule that && expression.equals(that.expression) && window.equals(that.window);
    }

    @Override
    public int hashCode() {
        return expression.hashCode() * 31 + window.hashCode();
    }

    @Override
    public String toString() {
        return expression + " for " + window;
    }
}
