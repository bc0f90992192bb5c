package io.ballast.reservation.budget;

/**
 * What another datastore could take, as the migration advisor and placement read it.
 *
 * @param spareBytes what its budgets could still share after every disk's minimum: room for a VM's minimum demand
 */
public record Room(String datastoreId, long spareBytes) {

    /** The room of {@code datastore} now. */
    public static Room of(Datastore datastore) {
        long minimums =
                datastore.disks().stream().mapToLong(Disk::minimumBudgetBytes).sum();
        return new Room(datastore.id(), datastore.budgetableBytes() - minimums);
    }
}
