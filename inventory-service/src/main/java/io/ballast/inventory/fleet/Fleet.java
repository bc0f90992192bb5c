package io.ballast.inventory.fleet;

import io.ballast.support.inventory.HostIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A host's part of the fleet as inventory records it, made from what discovery saw: ids that stay the same from one
 * look to the next, each disk placed on the pool that holds its image, sizes from the pool's volumes.
 */
public final class Fleet {

    private Fleet() {}

    /**
     * A host.
     *
     * @param id the URI's host name when it has one ({@code qemu+ssh://root@host-1/system} is {@code host-1}), else
     *     the hypervisor's host name and a hash of the URI (local and test URIs name no host)
     */
    public record Host(String id, String name, String uri) {}

    /** A storage pool of a host: its id is the pool's UUID. */
    public record Datastore(
            String id,
            String name,
            String hostId,
            String location,
            long capacityBytes,
            long allocatedBytes,
            long availableBytes) {}

    /** A domain of a host: its id is the domain's UUID. */
    public record Vm(String id, String name, String hostId, Discovered.PowerState powerState) {}

    /** How a disk's image is kept: what decides whether ranges can be punched out of it. */
    public enum ImageKind {
        RAW,
        BLOCK_DEVICE,
        QCOW2,
        /** A VMDK whose variant (flat or sparse) libvirt does not say: never punched until known. */
        VMDK,
        /** Anything else, or a network disk: never punched. */
        OTHER
    }

    /**
     * A disk of a VM.
     *
     * @param id the VM's id and the disk's target device ({@code <uuid>-vda}, safe in a URL path, a Kafka key and a
     *     file name): the same as long as the domain keeps the disk at that target
     * @param datastoreId the pool holding its image; empty for an image in no pool of its host (a device outside the
     *     pools, a network disk)
     * @param designatedBytes its size as the guest sees it (the volume's capacity); 0 when no pool knows the image
     * @param backedBytes what its image takes on the datastore (the volume's allocation); 0 when unknown
     */
    public record Disk(
            String id,
            String vmId,
            Optional<String> datastoreId,
            String imagePath,
            ImageKind kind,
            long designatedBytes,
            long backedBytes,
            String serial,
            String targetDev) {}

    /** What one look at a host gives inventory. */
    public record Part(Host host, List<Datastore> datastores, List<Vm> vms, List<Disk> disks) {
        public Part {
            datastores = List.copyOf(datastores);
            vms = List.copyOf(vms);
            disks = List.copyOf(disks);
        }
    }

    /** The host's part of the fleet as {@code seen}. */
    public static Part of(Discovered.Host seen) {
        Host host = new Host(HostIds.of(seen.uri(), seen.hostname()), seen.hostname(), seen.uri());
        List<Datastore> datastores = new ArrayList<>();
        for (Discovered.Pool pool : seen.pools()) {
            datastores.add(new Datastore(
                    pool.uuid(),
                    pool.name(),
                    host.id(),
                    pool.path().isEmpty() ? pool.name() : pool.path(),
                    pool.capacityBytes(),
                    pool.allocationBytes(),
                    pool.availableBytes()));
        }
        List<Vm> vms = new ArrayList<>();
        List<Disk> disks = new ArrayList<>();
        for (Discovered.Domain domain : seen.domains()) {
            vms.add(new Vm(domain.uuid(), domain.name(), host.id(), domain.state()));
            for (Discovered.Disk disk : domain.disks()) {
                Optional<Discovered.Pool> pool =
                        disk.sourcePath().isEmpty() ? Optional.empty() : seen.poolHolding(disk.sourcePath());
                Optional<Discovered.Volume> volume = pool.flatMap(p -> p.volume(disk.sourcePath()));
                disks.add(new Disk(
                        domain.uuid() + "-" + disk.targetDev(),
                        domain.uuid(),
                        pool.map(Discovered.Pool::uuid),
                        disk.sourcePath(),
                        kind(disk, volume),
                        volume.map(Discovered.Volume::capacityBytes).orElse(0L),
                        volume.map(Discovered.Volume::allocationBytes).orElse(0L),
                        disk.serial(),
                        disk.targetDev()));
            }
        }
        return new Part(host, datastores, vms, disks);
    }

    /** The kind of a disk's image: the domain's driver format, else its volume's; a block device is its own kind. */
    static ImageKind kind(Discovered.Disk disk, Optional<Discovered.Volume> volume) {
        if (disk.kind() == Discovered.SourceKind.NETWORK) {
            return ImageKind.OTHER;
        }
        String format = (disk.driverFormat().isEmpty()
                        ? volume.map(Discovered.Volume::format).orElse("")
                        : disk.driverFormat())
                .toLowerCase(Locale.ROOT);
        return switch (format) {
            case "raw" -> disk.kind() == Discovered.SourceKind.BLOCK ? ImageKind.BLOCK_DEVICE : ImageKind.RAW;
            case "qcow2" -> ImageKind.QCOW2;
            case "vmdk" -> ImageKind.VMDK;
            default -> ImageKind.OTHER;
        };
    }
}
