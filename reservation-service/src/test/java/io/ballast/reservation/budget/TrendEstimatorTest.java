package io.ballast.reservation.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The usage trend: Theil–Sen's slope and Sen's interval on hourly points. */
class TrendEstimatorTest {

    private static final long GIB = 1L << 30;
    private static final Instant START = Instant.parse("2026-11-28T00:00:00Z");

    private static List<UsagePoint> hourly(int hours, java.util.function.IntToLongFunction utilized) {
        List<UsagePoint> points = new ArrayList<>();
        for (int hour = 0; hour < hours; hour++) {
            points.add(new UsagePoint(START.plus(Duration.ofHours(hour)), utilized.applyAsLong(hour)));
        }
        return points;
    }

    @Test
    void aSteadyGrowthIsItsOwnSlopeWithANarrowInterval() {
        // 1 GiB a day, exactly
        Forecast forecast = TrendEstimator.estimate(hourly(48, hour -> 10 * GIB + hour * GIB / 24), Duration.ofDays(7));

        assertThat(forecast.points()).isEqualTo(48);
        assertThat(forecast.slopeBytesPerDay()).isCloseTo(GIB, within(1.0));
        assertThat(forecast.lowerSlopeBytesPerDay()).isCloseTo(GIB, within(1.0));
        assertThat(forecast.upperSlopeBytesPerDay()).isCloseTo(GIB, within(1.0));
        assertThat(forecast.growthBytes(Duration.ofDays(7))).isEqualTo(7 * GIB);
        assertThat(forecast.explanation()).contains("48 hourly maxima", "168 h", "95% interval");
    }

    @Test
    void aFewWildReportsDoNotMoveTheSlope() {
        Random random = new Random(7);
        Forecast forecast = TrendEstimator.estimate(
                hourly(72, hour -> {
                    long trend = 20 * GIB + hour * GIB / 24;
                    return hour % 17 == 5 ? trend + random.nextInt(40) * GIB : trend; // a wrong report now and then
                }),
                Duration.ofDays(7));

        assertThat(forecast.slopeBytesPerDay()).isCloseTo(GIB, within(0.02 * GIB));
    }

    @Test
    void noiseWidensTheIntervalAroundTheSlopeAndThePlannerTakesItsUpperEnd() {
        Random random = new Random(11);
        Forecast forecast = TrendEstimator.estimate(
                hourly(96, hour -> 30 * GIB + hour * GIB / 24 + (long) (random.nextGaussian() * GIB)),
                Duration.ofDays(7));

        assertThat(forecast.lowerSlopeBytesPerDay()).isLessThan(forecast.slopeBytesPerDay());
        assertThat(forecast.upperSlopeBytesPerDay()).isGreaterThan(forecast.slopeBytesPerDay());
        assertThat(forecast.lowerSlopeBytesPerDay()).isLessThan(GIB);
        assertThat(forecast.upperSlopeBytesPerDay()).isGreaterThan(GIB);
        assertThat(forecast.growthBytes(Duration.ofDays(1)))
                .isEqualTo((long) Math.ceil(forecast.upperSlopeBytesPerDay()));
    }

    @Test
    void shrinkingUsageForecastsNoGrowth() {
        Forecast forecast = TrendEstimator.estimate(hourly(24, hour -> 50 * GIB - hour * GIB), Duration.ofDays(7));

        assertThat(forecast.slopeBytesPerDay()).isNegative();
        assertThat(forecast.growthBytes(Duration.ofDays(7))).isZero();
    }

    @Test
    void tooFewPointsSayWhyAndForecastNothing() {
        Forecast forecast = TrendEstimator.estimate(hourly(2, hour -> hour * GIB), Duration.ofDays(7));

        assertThat(forecast.points()).isEqualTo(2);
        assertThat(forecast.growthBytes(Duration.ofDays(7))).isZero();
        assertThat(forecast.explanation()).isEqualTo("2 hourly points of usage; a trend needs 3");
    }

    @Test
    void theHistoryKeepsOneHourlyMaximumOverAWeekAndReadsOnlyClosedHours() {
        UsageHistory history = new UsageHistory();
        for (int minute = 0; minute < 8 * 24 * 60; minute += 5) {
            history.add(START.plus(Duration.ofMinutes(minute)), 10 * GIB + minute * (GIB / (24 * 60)));
        }

        assertThat(history.points()).hasSize(7 * 24 + 1);
        assertThat(history.points().getLast().at()).isEqualTo(START.plus(Duration.ofHours(8 * 24 - 1)));
        assertThat(history.forecast().points()).isEqualTo(7 * 24);
        assertThat(history.forecast().slopeBytesPerDay()).isCloseTo(GIB, within(0.01 * GIB));
    }

    @Test
    void theSelectedRanksAreThoseOfEverySlopeSorted() {
        Random random = new Random(23);
        for (int round = 0; round < 300; round++) {
            int n = TrendEstimator.MIN_POINTS + random.nextInt(170);
            List<UsagePoint> points = new ArrayList<>();
            Instant at = START;
            for (int i = 0; i < n; i++) {
                at = at.plus(Duration.ofHours(1 + (random.nextInt(10) == 0 ? random.nextInt(5) : 0))); // gaps too
                long utilized = random.nextInt(4) == 0 ? 7 * GIB : 5 * GIB + random.nextLong(4 * GIB); // ties too
                points.add(new UsagePoint(at, utilized));
            }

            Forecast forecast = TrendEstimator.estimate(points, Duration.ofDays(7));

            double[] sorted = everySlopeSorted(points);
            int count = sorted.length;
            double c = 1.959963984540054 * Math.sqrt(n * (n - 1.0) * (2.0 * n + 5) / 18.0);
            int lower = Math.max(0, (int) Math.floor((count - c) / 2) - 1);
            int upper = Math.min(count - 1, (int) Math.ceil((count + c) / 2));
            double median = count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
            assertThat(forecast.slopeBytesPerDay()).as("median, n=%d", n).isEqualTo(median);
            assertThat(forecast.lowerSlopeBytesPerDay()).as("lower, n=%d", n).isEqualTo(sorted[lower]);
            assertThat(forecast.upperSlopeBytesPerDay()).as("upper, n=%d", n).isEqualTo(sorted[upper]);
        }
    }

    private static double[] everySlopeSorted(List<UsagePoint> points) {
        List<Double> slopes = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            for (int j = i + 1; j < points.size(); j++) {
                long seconds =
                        Duration.between(points.get(i).at(), points.get(j).at()).toSeconds();
                slopes.add((points.get(j).utilizedBytes() - points.get(i).utilizedBytes()) * 86_400.0 / seconds);
            }
        }
        return slopes.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }
}
