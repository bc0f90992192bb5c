package io.ballast.inventory.fleet;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What one look at a host's hypervisor showed: its storage pools with their volumes, and its domains. */
public final class Discovered {

    private Discovered() {}

    /**
     * A host as its hypervisor answered.
     *
     * @param uri the connection URI it was reached by: the host's identity (test hosts all call themselves alike)
     * @param hostname what the hypervisor calls its host
     */
    public record Host(String uri, String hostname, List<Pool> pools, List<Domain> domains) {
        public Host {
            Objects.requireNonNull(uri);
            pools = List.copyOf(pools);
            domains = List.copyOf(domains);
        }

        /**
         * The pool holding the image at {@code path}: the one listing it as a volume, else the one whose directory it
         * is in (a pool lists a file only once refreshed).
         */
        public Optional<Pool> poolHolding(String path) {
            return pools.stream()
                    .filter(pool -> pool.volume(path).isPresent())
                    .findFirst()
                    .or(() -> pools.stream()
                            .filter(pool -> !pool.path().isEmpty())
                            .filter(pool -> Path.of(path).normalize().startsWith(Path.of(pool.path())))
                            .findFirst());
        }
    }

    /**
     * A storage pool: a datastore.
     *
     * @param path where its volumes live (a directory for a {@code dir} pool), empty when the pool has none
     */
    public record Pool(
            String uuid,
            String name,
            String path,
            long capacityBytes,
            long allocationBytes,
            long availableBytes,
            List<Volume> volumes) {
        public Pool {
            volumes = List.copyOf(volumes);
        }

        public Optional<Volume> volume(String volumePath) {
            return volumes.stream().filter(v -> v.path().equals(volumePath)).findFirst();
        }
    }

    /**
     * A volume of a pool: a disk image, or anything else kept there.
     *
     * @param capacityBytes the size its guest sees
     * @param allocationBytes what it takes on the pool
     * @param format libvirt's name for its format ({@code raw}, {@code qcow2}, {@code vmdk}...), empty if unknown
     */
    public record Volume(String name, String path, long capacityBytes, long allocationBytes, String format) {}

    /** A domain, running or only defined. */
    public record Domain(String uuid, String name, PowerState state, List<Disk> disks) {
        public Domain {
            disks = List.copyOf(disks);
        }
    }

    /** How a domain stands. */
    public enum PowerState {
        RUNNING,
        PAUSED,
        SHUT_OFF
    }

    /** How a disk's source is given in its domain. */
    public enum SourceKind {
        FILE,
        BLOCK,
        VOLUME,
        /** Over the network (RBD, iSCSI, NBD...): no image on a host's datastore. */
        NETWORK
    }

    /**
     * One of a domain's disks (CD-ROMs, floppies and LUNs are not disks here).
     *
     * @param targetDev the name the domain gives it ({@code vda}, {@code sdb})
     * @param sourcePath its image or device; for a {@link SourceKind#VOLUME} the volume's path once resolved, empty
     *     for {@link SourceKind#NETWORK}
     * @param serial the serial its guest sees, empty when the domain sets none
     * @param driverFormat the image format the domain's driver reads ({@code raw}, {@code qcow2}), empty if unset
     * @param sourcePool for {@link SourceKind#VOLUME}: the pool named in the domain
     * @param sourceVolume for {@link SourceKind#VOLUME}: the volume named in the domain
     */
    public record Disk(
            String targetDev,
            SourceKind kind,
            String sourcePath,
            String serial,
            String driverFormat,
            String sourcePool,
            String sourceVolume) {

        /** This disk with its volume resolved to {@code path}. */
        public Disk at(String path) {
            return new Disk(targetDev, kind, path, serial, driverFormat, sourcePool, sourceVolume);
        }
    }
}
