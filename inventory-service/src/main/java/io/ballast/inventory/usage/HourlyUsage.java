package io.ballast.inventory.usage;

import java.time.Instant;
import java.util.Optional;

/**
 * One guest filesystem's usage over an hour, summed as its reports arrived (the current hour: so far).
 *
 * @param diskId the inventory disk it lives on; empty while the agent's name for the disk matches none
 * @param totalBytes the hour's last report's
 * @param utilizedBytes the mean of the hour's reports: what the guest uses, ballast excluded
 * @param utilizedMaxBytes the highest of the hour's reports
 * @param ballastBytes the hour's last report's
 * @param reports how many reports the hour had
 */
public record HourlyUsage(
        Instant hour,
        String mountPoint,
        Optional<String> diskId,
        long totalBytes,
        long utilizedBytes,
        long utilizedMaxBytes,
        long ballastBytes,
        int reports) {}
