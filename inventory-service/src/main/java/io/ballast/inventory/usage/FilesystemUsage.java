package io.ballast.inventory.usage;

import java.time.Instant;
import java.util.Optional;

/**
 * One guest filesystem's usage as its agent reported it.
 *
 * @param diskId the inventory disk it lives on; empty while the agent's name for the disk matches none
 * @param guestDisk the agent's name for the disk
 * @param utilizedBytes what the guest uses, ballast excluded
 */
public record FilesystemUsage(
        String vmId,
        String mountPoint,
        Optional<String> diskId,
        String guestDisk,
        long totalBytes,
        long utilizedBytes,
        long freeBytes,
        long ballastBytes,
        Instant reportedAt) {}
