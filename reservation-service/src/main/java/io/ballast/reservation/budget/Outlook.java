package io.ballast.reservation.budget;

import java.time.Duration;
import java.util.Optional;

/**
 * What a datastore's plan foresees, worked out as a tick works it out: when its disks' minimums, growing at their
 * forecast, use up what it can give, and, while the minimums do not fit already, the migration that would make room.
 *
 * @param timeToFull empty when nothing on the datastore grows
 * @param recommendation present only while the minimums exceed what the datastore can give
 */
public record Outlook(Optional<Duration> timeToFull, Optional<MigrationRecommendation> recommendation) {}
