package io.ballast.gateway.session;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which VM each virtual disk belongs to, as the inventory says. An agent may report on a disk the inventory assigns
 * to its VM, or on a disk the inventory does not know yet that the agent declared in its hello; never on a disk of
 * another VM.
 */
public final class DiskOwnership {

    private final Map<String, String> vmByDisk = new ConcurrentHashMap<>();

    public void assign(String diskId, String vmId) {
        vmByDisk.put(diskId, vmId);
    }

    public void remove(String diskId) {
        vmByDisk.remove(diskId);
    }

    public Optional<String> ownerOf(String diskId) {
        return Optional.ofNullable(vmByDisk.get(diskId));
    }

    /** Whether VM {@code vmId}, which declared {@code declaredDisks}, may speak for {@code diskId}. */
    public boolean mayReport(String vmId, String diskId, Set<String> declaredDisks) {
        return ownerOf(diskId).map(vmId::equals).orElse(declaredDisks.contains(diskId));
    }
}
