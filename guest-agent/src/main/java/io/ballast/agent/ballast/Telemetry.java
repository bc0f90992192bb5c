package io.ballast.agent.ballast;

import java.time.Duration;
import java.time.Instant;

/**
 * When to send a usage report: once the period has passed since the last one, or as soon as utilization moved by
 * more than the threshold (a share of the filesystem's size) since it.
 */
public record Telemetry(Duration period, double threshold) {

    public boolean due(Instant lastReport, long lastUtilizedBytes, Instant now, long utilizedBytes, long totalBytes) {
        if (lastReport == null || !now.isBefore(lastReport.plus(period))) {
            return true;
        }
        return totalBytes > 0 && Math.abs(utilizedBytes - lastUtilizedBytes) > threshold * totalBytes;
    }
}
