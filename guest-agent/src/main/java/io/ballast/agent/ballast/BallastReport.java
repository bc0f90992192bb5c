package io.ballast.agent.ballast;

import java.nio.file.Path;

/**
 * The ballast of one filesystem after an operation.
 *
 * @param sizeBytes the ballast file's size
 * @param allocatedBytes bytes the filesystem allocated to it (including its extent metadata)
 * @param device kernel name of the filesystem's block device, or its mount source if it has none
 * @param diskId the virtual disk holding the filesystem, empty when it cannot be mapped
 * @param partitionStartBytes where the filesystem's device starts on the virtual disk (0 when unmapped)
 */
public record BallastReport(
        Path path,
        boolean exists,
        long sizeBytes,
        long allocatedBytes,
        String device,
        String diskId,
        long partitionStartBytes,
        ExtentMap extents,
        FilesystemUsage filesystem) {}
