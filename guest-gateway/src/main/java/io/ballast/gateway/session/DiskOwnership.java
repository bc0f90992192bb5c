package io.ballast.gateway.session;

import io.ballast.support.inventory.GuestDiskNames;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which VM each virtual disk belongs to, as the inventory says. An agent names a disk as its guest sees it: the
 * inventory's disk id, or its serial (the serial itself, a {@code /dev/disk/by-id} name ending in it, a loop device's
 * backing file; see {@link GuestDiskNames}). An agent may report on a disk the inventory assigns to its VM, or on a
 * disk the inventory does not know yet that the agent declared in its hello; never on a disk of another VM, by
 * whichever name.
 */
public final class DiskOwnership {

    /** A disk's owner and serial as the inventory last said. */
    private record Owner(String vmId, String serial) {}

    private final Map<String, Owner> byDisk = new ConcurrentHashMap<>();
    private final Map<String, String> diskBySerial = new ConcurrentHashMap<>();

    /** The inventory places {@code diskId} (guest-visible serial {@code serial}, may be blank) on {@code vmId}. */
    public void assign(String diskId, String vmId, String serial) {
        Owner before = byDisk.put(diskId, new Owner(vmId, serial));
        if (before != null && !before.serial().isBlank()) {
            diskBySerial.remove(before.serial(), diskId);
        }
        if (!serial.isBlank()) {
            diskBySerial.put(serial, diskId);
        }
    }

    public void remove(String diskId) {
        Owner before = byDisk.remove(diskId);
        if (before != null && !before.serial().isBlank()) {
            diskBySerial.remove(before.serial(), diskId);
        }
    }

    /** The VM of the disk an agent names {@code name}: by the inventory's disk id, else by its serial. */
    public Optional<String> ownerOf(String name) {
        Owner byId = byDisk.get(name);
        if (byId != null) {
            return Optional.of(byId.vmId());
        }
        for (String serial : GuestDiskNames.candidateSerials(name)) {
            String diskId = diskBySerial.get(serial);
            if (diskId != null && GuestDiskNames.names(name, serial)) {
                Owner owner = byDisk.get(diskId);
                if (owner != null) {
                    return Optional.of(owner.vmId());
                }
            }
        }
        return Optional.empty();
    }

    /** Whether VM {@code vmId}, which declared {@code declaredDisks}, may speak for the disk it names {@code name}. */
    public boolean mayReport(String vmId, String name, Set<String> declaredDisks) {
        return ownerOf(name).map(vmId::equals).orElse(declaredDisks.contains(name));
    }
}
