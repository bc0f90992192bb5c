package io.ballast.reservation.budget;

/** Everything a decision could change in a datastore, as text: equal texts, equal states. */
public final class Fingerprint {

    private Fingerprint() {}

    public static String of(Datastore datastore) {
        StringBuilder text = new StringBuilder(datastore.toString());
        for (Disk disk : datastore.disks()) {
            text.append('\n').append(disk.snapshot());
        }
        return text.append(datastore.snapshot()).toString();
    }
}
