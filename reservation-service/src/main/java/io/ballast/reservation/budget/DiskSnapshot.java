package io.ballast.reservation.budget;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything a {@link Disk} holds, as a value: what a store writes and gives back ({@link Disk#snapshot()}, {@link
 * Disk#restore}). A restored disk decides exactly as the one it was taken from.
 */
public record DiskSnapshot(
        String id,
        String vmId,
        String datastoreId,
        Optional<String> hostId,
        long designatedBytes,
        long overheadBytes,
        String imagePath,
        String serial,
        boolean punchable,
        Profile profile,
        boolean agentOnline,
        Optional<Instant> lastReportAt,
        List<FilesystemUsage> filesystems,
        List<BallastSlot> ballasts,
        Optional<BallastCommand> command,
        List<PendingReclaim> reclaims,
        List<String> failedReclaims,
        String incarnation,
        long generation,
        long imageEpoch,
        long budgetBytes,
        long floorBytes,
        Optional<Long> pinnedBallastBytes,
        List<UsagePoint> history,
        Optional<Forecast> forecast) {

    public DiskSnapshot {
        forecast = forecast == null ? Optional.empty() : forecast;
        filesystems = List.copyOf(filesystems);
        ballasts = List.copyOf(ballasts);
        reclaims = List.copyOf(reclaims);
        failedReclaims = List.copyOf(failedReclaims);
        history = history == null ? List.of() : List.copyOf(history); // a store may keep the history apart
    }
}
