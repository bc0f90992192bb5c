package io.ballast.inventory.fleet.rest;

import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.fleet.store.Discoveries;
import io.ballast.inventory.usage.FilesystemUsage;
import io.ballast.inventory.usage.UsagePoint;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What the fleet's REST endpoints answer: records mapped at this edge. */
public final class FleetViews {

    private FleetViews() {}

    /**
     * How inventory looks at a host through libvirt.
     *
     * @param lastError why the last look failed; absent once a look succeeds
     */
    public record ConnectionView(
            String uri,
            String addedBy,
            String hostId,
            Instant lastAttemptAt,
            Instant lastSuccessAt,
            String lastError,
            Long lastDurationMs) {

        static ConnectionView of(Recorded.Connection connection) {
            return new ConnectionView(
                    connection.uri(),
                    connection.configured() ? "configuration" : "api",
                    connection.hostId().orElse(null),
                    connection.lastAttemptAt().orElse(null),
                    connection.lastSuccessAt().orElse(null),
                    connection.lastError().orElse(null),
                    connection.lastDurationMs().orElse(null));
        }
    }

    /** A host; {@code discovery} is absent for a host kept over REST. */
    public record HostView(
            String id, String name, String uri, String managedBy, Instant goneAt, ConnectionView discovery) {

        static HostView of(Recorded.Host host, Optional<Recorded.Connection> connection) {
            return new HostView(
                    host.id(),
                    host.name(),
                    host.uri(),
                    host.managedBy().name().toLowerCase(java.util.Locale.ROOT),
                    host.goneAt().orElse(null),
                    connection.map(ConnectionView::of).orElse(null));
        }
    }

    public record HostPage(List<HostView> hosts, String next) {}

    /**
     * A datastore.
     *
     * @param otherBytes allocated bytes that no virtual disk's image holds
     */
    public record DatastoreView(
            String id,
            String name,
            List<String> hostIds,
            String location,
            long capacityBytes,
            long allocatedBytes,
            long availableBytes,
            long reserveBytes,
            long otherBytes,
            String managedBy,
            Instant goneAt) {

        static DatastoreView of(Recorded.Datastore datastore) {
            return new DatastoreView(
                    datastore.id(),
                    datastore.name(),
                    datastore.hostIds(),
                    datastore.location(),
                    datastore.capacityBytes(),
                    datastore.allocatedBytes(),
                    datastore.availableBytes(),
                    datastore.reserveBytes(),
                    datastore.otherBytes(),
                    datastore.managedBy().name().toLowerCase(java.util.Locale.ROOT),
                    datastore.goneAt().orElse(null));
        }
    }

    public record DatastorePage(List<DatastoreView> datastores, String next) {}

    /**
     * A VM; {@code disks} and {@code filesystems} (its guest's latest usage report) only when one VM is asked for.
     */
    public record VmView(
            String id,
            String name,
            String hostId,
            String powerState,
            String profile,
            Instant goneAt,
            List<DiskView> disks,
            List<FilesystemView> filesystems) {

        static VmView of(Recorded.Vm vm) {
            return new VmView(
                    vm.id(),
                    vm.name(),
                    vm.hostId(),
                    vm.powerState().name(),
                    vm.profile(),
                    vm.goneAt().orElse(null),
                    null,
                    null);
        }

        static VmView of(Recorded.Vm vm, List<Recorded.Disk> disks, List<FilesystemUsage> filesystems) {
            return new VmView(
                    vm.id(),
                    vm.name(),
                    vm.hostId(),
                    vm.powerState().name(),
                    vm.profile(),
                    vm.goneAt().orElse(null),
                    disks.stream().map(DiskView::of).toList(),
                    filesystems.stream().map(FilesystemView::of).toList());
        }
    }

    /**
     * A guest filesystem's latest usage.
     *
     * @param diskId the disk it lives on; absent while the agent's name for the disk ({@code guestDisk}) matches none
     * @param utilizedBytes what the guest uses, ballast excluded
     */
    public record FilesystemView(
            String mountPoint,
            String diskId,
            String guestDisk,
            long totalBytes,
            long utilizedBytes,
            long freeBytes,
            long ballastBytes,
            Instant reportedAt) {

        static FilesystemView of(FilesystemUsage usage) {
            return new FilesystemView(
                    usage.mountPoint(),
                    usage.diskId().orElse(null),
                    usage.guestDisk(),
                    usage.totalBytes(),
                    usage.utilizedBytes(),
                    usage.freeBytes(),
                    usage.ballastBytes(),
                    usage.reportedAt());
        }
    }

    /**
     * A guest filesystem's usage over time: every report while reports are kept (a day), an hourly summary before.
     *
     * @param points in time order; {@code utilizedBytes} is a report's figure or an hour's mean, {@code
     *     utilizedMaxBytes} the same or the hour's highest
     */
    public record UsageHistoryView(String vmId, String mountPoint, List<UsagePoint> points) {}

    public record VmPage(List<VmView> vms, String next) {}

    /**
     * A virtual disk.
     *
     * @param datastoreId absent for an image in no pool of its host (a device outside the pools, a network disk)
     * @param designatedBytes its size as the guest sees it; 0 while no pool lists the image
     * @param backedBytes what its image takes on the datastore; 0 while unknown
     */
    public record DiskView(
            String id,
            String vmId,
            String datastoreId,
            String imagePath,
            String format,
            long designatedBytes,
            long backedBytes,
            String serial,
            String targetDev,
            Instant goneAt) {

        static DiskView of(Recorded.Disk disk) {
            return new DiskView(
                    disk.id(),
                    disk.vmId(),
                    disk.datastoreId().orElse(null),
                    disk.imagePath(),
                    disk.kind().name(),
                    disk.designatedBytes(),
                    disk.backedBytes(),
                    disk.serial(),
                    disk.targetDev(),
                    disk.goneAt().orElse(null));
        }
    }

    public record DiskPage(List<DiskView> disks, String next) {}

    /**
     * One look at a host.
     *
     * @param outcome {@code RECORDED}, {@code FAILED} (the host could not be reached or read; what was recorded of it
     *     stays) or {@code BUSY} (another look at it was in progress)
     * @param changed how many records the look changed (each announced on the bus)
     * @param gone how many it marked gone
     */
    public record LookView(
            String uri, String outcome, String hostId, long tookMs, int changed, int gone, String error) {

        static LookView of(Discoveries.Look look) {
            return new LookView(
                    look.uri(),
                    look.outcome().name(),
                    look.hostId().orElse(null),
                    look.took().toMillis(),
                    look.changes().changed(),
                    look.changes().gone(),
                    look.error().orElse(null));
        }
    }

    public record RefreshView(List<LookView> looks) {}

    public record DiscoveryView(List<ConnectionView> connections) {}
}
