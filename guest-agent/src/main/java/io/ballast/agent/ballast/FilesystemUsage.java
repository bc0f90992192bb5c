package io.ballast.agent.ballast;

/**
 * Usage of a guest filesystem, in bytes.
 *
 * @param utilizedBytes what the guest uses, the ballast excluded
 * @param availableBytes what an unprivileged writer can still take (free minus reserved blocks)
 */
public record FilesystemUsage(
        String mountPoint,
        String type,
        long totalBytes,
        long utilizedBytes,
        long freeBytes,
        long availableBytes,
        long ballastBytes) {}
