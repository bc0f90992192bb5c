package io.ballast.reservation.budget;

import java.time.Duration;

/**
 * The engine's timings and thresholds.
 *
 * @param commandTimeout an unacknowledged command is sent again (same generation) after this
 * @param reclaimTimeout a reclaim job without a result is asked again after this
 * @param agentStaleAfter an agent silent this long is offline: its disk freezes
 * @param growthTtl a growth still pending this long expires
 * @param forecastHorizon how far ahead the planner gives room for forecast growth, and below which time-to-full
 *     alerts
 * @param rebalanceStepBytes a planned budget differing by less than this from the current one is left as it is
 * @param tamperCheckEvery how often a reclaimed ballast's ranges are punched again, the worker reporting what the
 *     guest wrote back into them since
 * @param copiesPunchedRanges whether a storage migration may copy punched ballast ranges as data: then a migrating
 *     disk's ballast counts on the target until its new image is reclaimed (the safe default)
 */
public record EngineSettings(
        Duration commandTimeout,
        Duration reclaimTimeout,
        Duration agentStaleAfter,
        Duration growthTtl,
        Duration forecastHorizon,
        long rebalanceStepBytes,
        Duration tamperCheckEvery,
        boolean copiesPunchedRanges) {

    public static EngineSettings defaults() {
        return new EngineSettings(
                Duration.ofSeconds(30),
                Duration.ofMinutes(5),
                Duration.ofMinutes(3),
                Duration.ofMinutes(15),
                Duration.ofDays(7),
                256L << 20,
                Duration.ofHours(1),
                true);
    }
}
