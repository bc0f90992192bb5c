package io.ballast.support.inventory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a disk's name in its guest meets inventory's serial. An agent names a disk by what the guest sees: its serial
 * ({@code /sys/block/vda/serial}), else its {@code /dev/disk/by-id} name, which ends in the serial after the bus and
 * model ({@code virtio-SERIAL}, {@code scsi-0QEMU_QEMU_HARDDISK_SERIAL}), else a loop device's backing file. Inventory
 * sets each disk's serial (for a loop-backed test disk, the backing file's path), so a name matches a disk when it is
 * the serial or ends in {@code -SERIAL} or {@code _SERIAL}. A disk without a serial matches no name: its reports are
 * never trusted. The gateway (which VM may speak for a disk) and the reservation service (which disk a report is
 * about) both match names so.
 */
public final class GuestDiskNames {

    private GuestDiskNames() {}

    /** Whether an agent's {@code guestName} names the disk whose inventory serial is {@code serial}. */
    public static boolean names(String guestName, String serial) {
        if (serial.isBlank() || guestName.isBlank()) {
            return false;
        }
        return guestName.equals(serial) || guestName.endsWith("-" + serial) || guestName.endsWith("_" + serial);
    }

    /**
     * The serials {@code guestName} could name: itself, and what follows each {@code -} or {@code _} in it (a by-id
     * name's serial comes after its bus and model). For an index by serial: look each up, then confirm with {@link
     * #names}.
     */
    public static List<String> candidateSerials(String guestName) {
        List<String> candidates = new ArrayList<>();
        candidates.add(guestName);
        for (int i = 0; i < guestName.length() - 1; i++) {
            char c = guestName.charAt(i);
            if (c == '-' || c == '_') {
                candidates.add(guestName.substring(i + 1));
            }
        }
        return candidates;
    }

    /**
     * The one disk among {@code disks} (one VM's) that {@code guestName} names, by the serial {@code serial} gives for
     * each; empty when it names none, or several (a name that could mean two disks is trusted for neither).
     */
    public static <T> Optional<T> matching(String guestName, Collection<T> disks, Function<T, String> serial) {
        List<T> named = disks.stream()
                .filter(disk -> names(guestName, serial.apply(disk)))
                .toList();
        return named.size() == 1 ? Optional.of(named.getFirst()) : Optional.empty();
    }
}
