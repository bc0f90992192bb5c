package io.ballast.reservation.budget;

/**
 * The move that clears a datastore's deficit for the fewest bytes copied.
 *
 * @param bytesToMove what the move copies: the VM's disks' utilized bytes and overhead
 * @param demandFreedBytes how much the source's minimum demand drops
 * @param clearsDeficit whether it is enough on its own; when no single VM is, the one freeing the most
 */
public record MigrationRecommendation(
        String datastoreId,
        String vmId,
        String toDatastoreId,
        long bytesToMove,
        long demandFreedBytes,
        boolean clearsDeficit,
        String reason) {}
