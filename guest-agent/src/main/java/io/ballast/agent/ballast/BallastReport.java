package io.ballast.agent.ballast;

import io.ballast.agent.device.DiskLocation;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The ballast of one filesystem after an operation.
 *
 * @param sizeBytes the ballast file's size
 * @param allocatedBytes bytes the filesystem allocated to it (including its extent metadata)
 * @param device kernel name of the filesystem's block device, or its mount source if it has none
 * @param location where the filesystem lies on its virtual disk, or why that cannot be said
 */
public record BallastReport(
        Path path,
        boolean exists,
        long sizeBytes,
        long allocatedBytes,
        String device,
        DiskLocation location,
        ExtentMap extents,
        FilesystemUsage filesystem) {

    /** The virtual disk and the partition's place on it, when the filesystem maps to one exactly. */
    public Optional<DiskLocation.Mapped> disk() {
        return location instanceof DiskLocation.Mapped mapped ? Optional.of(mapped) : Optional.empty();
    }
}
