package io.ballast.reservation.budget;

import java.time.Duration;

/**
 * A disk's usage trend and how sure it is, in a form an operator can check: the window and points it read, the
 * Theil–Sen slope (the median of the slopes between every two points, which a few outliers do not move), and the
 * upper end of that slope's 95 % confidence interval, which the planner uses so that it errs towards more room.
 *
 * @param window how far back the points reach
 * @param points how many points were read (hourly maxima)
 * @param slopeBytesPerDay the Theil–Sen slope; 0 when there were too few points
 * @param lowerSlopeBytesPerDay the lower end of the 95 % interval
 * @param upperSlopeBytesPerDay the upper end of the 95 % interval: the conservative growth rate
 * @param explanation one line saying how the figures came about
 */
public record Forecast(
        Duration window,
        int points,
        double slopeBytesPerDay,
        double lowerSlopeBytesPerDay,
        double upperSlopeBytesPerDay,
        String explanation) {

    /** The growth the planner expects over {@code horizon}: the conservative slope's, never negative. */
    public long growthBytes(Duration horizon) {
        double days = horizon.toSeconds() / 86_400.0;
        return (long) Math.ceil(Math.max(0, upperSlopeBytesPerDay) * days);
    }

    static Forecast insufficient(Duration window, int points, String why) {
        return new Forecast(window, points, 0, 0, 0, why);
    }
}
