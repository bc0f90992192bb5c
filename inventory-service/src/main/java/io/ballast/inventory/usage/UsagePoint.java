package io.ballast.inventory.usage;

import java.time.Instant;

/**
 * A filesystem's usage at a time: one report (raw), or an hour's summary.
 *
 * @param utilizedBytes the report's figure, or the hour's mean
 * @param utilizedMaxBytes the report's figure, or the hour's highest
 */
public record UsagePoint(Instant at, long totalBytes, long utilizedBytes, long utilizedMaxBytes, long ballastBytes) {}
