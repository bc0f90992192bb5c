package io.ballast.reservation.budget;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Theil–Sen slope with Sen's confidence interval: the slope is the median of all pairwise slopes; the interval's ends
 * are the pairwise slopes at the ranks {@code (N -/+ z * sqrt(var S)) / 2}, where {@code N} is the number of pairs and
 * {@code var S = n(n-1)(2n+5)/18} the variance of Kendall's S. Robust to a few wild reports and needs no assumption
 * of normal errors; the normal quantile comes from Commons Math.
 */
public final class TrendEstimator {

    /** Fewer points than this say nothing of a trend. */
    public static final int MIN_POINTS = 3;

    /** The interval's confidence. */
    public static final double CONFIDENCE = 0.95;

    private static final double Z = new NormalDistribution().inverseCumulativeProbability(1 - (1 - CONFIDENCE) / 2);
    private static final double SECONDS_PER_DAY = 86_400.0;

    /** The pairwise slopes of the last estimate on this thread (a week of closed buckets makes 14,028 of them). */
    private static final ThreadLocal<double[]> SCRATCH = ThreadLocal.withInitial(() -> new double[0]);

    private TrendEstimator() {}

    /** The trend of {@code points} (oldest first, distinct times). */
    public static Forecast estimate(List<UsagePoint> points, Duration window) {
        int n = points.size();
        if (n < MIN_POINTS) {
            return Forecast.insufficient(
                    window, n, n + " hourly point" + (n == 1 ? "" : "s") + " of usage; a trend needs " + MIN_POINTS);
        }
        long[] seconds = new long[n];
        long[] bytes = new long[n];
        for (int i = 0; i < n; i++) {
            seconds[i] = points.get(i).at().getEpochSecond();
            bytes[i] = points.get(i).utilizedBytes();
        }
        double[] slopes = SCRATCH.get();
        if (slopes.length < n * (n - 1) / 2) {
            slopes = new double[n * (n - 1) / 2];
            SCRATCH.set(slopes);
        }
        int count = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                long apart = seconds[j] - seconds[i];
                if (apart > 0) {
                    slopes[count++] = (bytes[j] - bytes[i]) * SECONDS_PER_DAY / apart;
                }
            }
        }
        if (count == 0) {
            return Forecast.insufficient(window, n, "all " + n + " points fall at one time");
        }
        double c = Z * Math.sqrt(n * (n - 1.0) * (2.0 * n + 5) / 18.0);
        int lowerRank = (int) Math.floor((count - c) / 2); // 1-based rank M1, as an index below
        int upperRank = (int) Math.ceil((count + c) / 2) + 1; // 1-based rank M2 + 1
        Arrays.sort(slopes, 0, count); // faster here than selecting the four ranks: the JDK sorts doubles with SIMD
        double median = count % 2 == 1 ? slopes[count / 2] : (slopes[count / 2 - 1] + slopes[count / 2]) / 2;
        double lower = slopes[clamp(lowerRank - 1, count)];
        double upper = slopes[clamp(upperRank - 1, count)];
        String explanation = String.format(
                Locale.ROOT,
                "Theil-Sen slope of %d hourly maxima over the last %d h: %+.0f bytes/day; %d%% interval %+.0f to"
                        + " %+.0f bytes/day (the upper end is planned for)",
                n,
                window.toHours(),
                median,
                Math.round(CONFIDENCE * 100),
                lower,
                upper);
        return new Forecast(window, n, median, lower, upper, explanation);
    }

    private static int clamp(int index, int count) {
        return Math.max(0, Math.min(count - 1, index));
    }
}
