package io.ballast.reservation.budget;

import java.util.List;

/**
 * Everything a {@link Datastore} holds besides its disks, as a value: what a store writes and gives back ({@link
 * Datastore#snapshot()}, {@link Datastore#restore}).
 *
 * @param activeAlerts the alerts raised and not yet cleared, so a restart does not send them again
 */
public record DatastoreSnapshot(
        String id,
        long capacityBytes,
        long otherBytes,
        DatastorePolicy policy,
        List<Hold> holds,
        List<Growth> growths,
        List<Migration> migrations,
        List<String> activeAlerts) {

    public DatastoreSnapshot {
        holds = List.copyOf(holds);
        growths = List.copyOf(growths);
        migrations = List.copyOf(migrations);
        activeAlerts = List.copyOf(activeAlerts);
    }
}
