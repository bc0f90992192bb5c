package io.ballast.inventory.fleet;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The fleet as inventory keeps it: what discovery (or an operator) recorded, including what has gone. A gone thing
 * is one its host stopped showing; it is kept, and comes back if it shows again.
 */
public final class Recorded {

    private Recorded() {}

    /** Who keeps a host's or datastore's figures: discovery, or an operator over REST (a fleet without libvirt). */
    public enum ManagedBy {
        LIBVIRT,
        API
    }

    /**
     * A hypervisor host.
     *
     * @param uri the libvirt URI it is discovered through; empty for a host kept over REST
     */
    public record Host(String id, String name, String uri, ManagedBy managedBy, Optional<Instant> goneAt) {}

    /**
     * A datastore.
     *
     * @param hostIds the hosts that reach it now, in id order
     * @param reserveBytes headroom kept free: the reservation service's first policy for it
     * @param otherBytes allocated bytes no virtual disk's image holds
     */
    public record Datastore(
            String id,
            String name,
            List<String> hostIds,
            String location,
            long capacityBytes,
            long allocatedBytes,
            long availableBytes,
            long reserveBytes,
            long otherBytes,
            ManagedBy managedBy,
            Optional<Instant> goneAt) {
        public Datastore {
            hostIds = List.copyOf(hostIds);
        }
    }

    /**
     * A VM.
     *
     * @param profile its profile's name; empty for the default profile
     */
    public record Vm(
            String id,
            String name,
            String hostId,
            Discovered.PowerState powerState,
            String profile,
            Optional<Instant> goneAt) {}

    /**
     * A libvirt URI inventory looks at, and how its last look went.
     *
     * @param configured whether it comes from the configuration (else an operator added it over REST)
     * @param hostId the host its last successful look showed
     * @param lastError why its last look failed; empty once a look succeeds
     */
    public record Connection(
            String uri,
            boolean configured,
            Optional<String> hostId,
            Optional<Instant> lastAttemptAt,
            Optional<Instant> lastSuccessAt,
            Optional<String> lastError,
            Optional<Long> lastDurationMs) {}

    /** A virtual disk (see {@link Fleet.Disk} for its fields). */
    public record Disk(
            String id,
            String vmId,
            Optional<String> datastoreId,
            String imagePath,
            Fleet.ImageKind kind,
            long designatedBytes,
            long backedBytes,
            String serial,
            String targetDev,
            Optional<Instant> goneAt) {}
}
