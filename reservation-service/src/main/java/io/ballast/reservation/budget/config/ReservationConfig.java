package io.ballast.reservation.budget.config;

import io.ballast.reservation.budget.EngineSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The reservation service's settings: the engine's timings and how often time passes for it. */
@ConfigMapping(prefix = "ballast.reservation")
public interface ReservationConfig {

    /** An unacknowledged ballast command is sent again (same generation) after this. */
    @WithDefault("30s")
    Duration commandTimeout();

    /** A reclaim job without a result is asked again after this. */
    @WithDefault("5m")
    Duration reclaimTimeout();

    /** An agent that has not reported for this long is offline: its disk's budget freezes. */
    @WithDefault("3m")
    Duration agentStaleAfter();

    /** A growth still pending this long expires, the disk's budget as before. */
    @WithDefault("15m")
    Duration growthTtl();

    /** How far ahead spare space follows forecast growth; time-to-full under this raises an alert. */
    @WithDefault("7d")
    Duration forecastHorizon();

    /** A planned budget closer than this to the current one is left as it is (no churn of tiny commands). */
    @WithDefault("268435456")
    long rebalanceStepBytes();

    /** How often a reclaimed ballast's ranges are measured again for data the guest wrote back. */
    @WithDefault("1h")
    Duration tamperCheckEvery();

    /**
     * Whether a storage migration may copy punched ballast ranges as data, so a migrating disk's ballast counts on
     * the target until its new image is reclaimed. Leave it true unless every migration copies sparsely.
     */
    @WithDefault("true")
    boolean copiesPunchedRanges();

    /** How often every datastore is looked at: timeouts, offline agents, expiries, the plan and its alerts. */
    @WithDefault("5s")
    Duration tickInterval();

    /** The engine settings these give. */
    default EngineSettings engineSettings() {
        return new EngineSettings(
                commandTimeout(),
                reclaimTimeout(),
                agentStaleAfter(),
                growthTtl(),
                forecastHorizon(),
                rebalanceStepBytes(),
                tamperCheckEvery(),
                copiesPunchedRanges());
    }
}
