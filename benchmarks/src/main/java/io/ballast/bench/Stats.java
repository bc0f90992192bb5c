package io.ballast.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The statistics every benchmark reports, computed here once: medians, nearest-rank percentiles, and paired ratios
 * (each round's ratio, then their median), because the machines drift between rounds more than within one.
 */
public final class Stats {

    private Stats() {}

    /** The median of {@code values}; the mean of the middle two for an even count. */
    public static double median(List<? extends Number> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("the median of no values");
        }
        double[] sorted =
                values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /**
     * The median over rounds of {@code numerators[i] / denominators[i]}: e.g. the reference's time over ours, round by
     * round, so a round where the disk was slow for both counts as one round, not as a slow reference.
     */
    public static double pairedRatio(List<? extends Number> numerators, List<? extends Number> denominators) {
        if (numerators.size() != denominators.size()) {
            throw new IllegalArgumentException(
                    "paired rounds differ in number: " + numerators.size() + " and " + denominators.size());
        }
        List<Double> ratios = new ArrayList<>(numerators.size());
        for (int i = 0; i < numerators.size(); i++) {
            ratios.add(numerators.get(i).doubleValue() / denominators.get(i).doubleValue());
        }
        return median(ratios);
    }

    /** The value below which {@code fraction} of {@code sorted} lies (nearest rank; 1.0: the largest); 0 when empty. */
    public static long percentile(long[] sorted, double fraction) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(fraction * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }

    /** A sorted copy. */
    public static long[] sorted(long[] values) {
        long[] sorted = Arrays.copyOf(values, values.length);
        Arrays.sort(sorted);
        return sorted;
    }

    /** Nanoseconds as milliseconds. */
    public static double millis(double nanos) {
        return nanos / 1e6;
    }
}
