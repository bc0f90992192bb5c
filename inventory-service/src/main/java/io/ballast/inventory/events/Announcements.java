package io.ballast.inventory.events;

import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.profile.Profile;
import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.DatastoreRemoved;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.DiskPlacement;
import io.ballast.proto.inventory.v1.HostRemoved;
import io.ballast.proto.inventory.v1.HostUpserted;
import io.ballast.proto.inventory.v1.ProfileUpserted;
import io.ballast.proto.inventory.v1.VirtualDiskRemoved;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.inventory.v1.VmMigrated;
import io.ballast.proto.inventory.v1.VmRemoved;
import io.ballast.proto.inventory.v1.VmUpserted;
import io.ballast.support.store.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Announces every change of the fleet on {@code ballast.inventory.v1}, through the outbox, in the transaction that
 * records it; each event is keyed by the id of what it describes.
 */
@ApplicationScoped
public class Announcements {

    private final Outbox outbox;

    Announcements(Outbox outbox) {
        this.outbox = outbox;
    }

    /** Where one of a migrated VM's disks went. */
    public record Placement(String diskId, String fromDatastoreId, String toDatastoreId) {}

    public void hostUpserted(Recorded.Host host) {
        outbox.add(
                Topic.INVENTORY,
                host.id(),
                HostUpserted.newBuilder().setHost(FleetMessages.host(host)).build());
    }

    public void hostRemoved(String hostId) {
        outbox.add(
                Topic.INVENTORY,
                hostId,
                HostRemoved.newBuilder().setHostId(hostId).build());
    }

    public void datastoreUpserted(Recorded.Datastore datastore) {
        outbox.add(
                Topic.INVENTORY,
                datastore.id(),
                DatastoreUpserted.newBuilder()
                        .setDatastore(FleetMessages.datastore(datastore))
                        .build());
    }

    public void datastoreRemoved(String datastoreId) {
        outbox.add(
                Topic.INVENTORY,
                datastoreId,
                DatastoreRemoved.newBuilder().setDatastoreId(datastoreId).build());
    }

    public void vmUpserted(Recorded.Vm vm) {
        outbox.add(
                Topic.INVENTORY,
                vm.id(),
                VmUpserted.newBuilder().setVm(FleetMessages.vm(vm)).build());
    }

    public void vmRemoved(String vmId) {
        outbox.add(Topic.INVENTORY, vmId, VmRemoved.newBuilder().setVmId(vmId).build());
    }

    /** {@code vmId} now runs on {@code toHostId}; its disks on other datastores went as {@code placements} say. */
    public void vmMigrated(String vmId, String fromHostId, String toHostId, List<Placement> placements) {
        VmMigrated.Builder migrated =
                VmMigrated.newBuilder().setVmId(vmId).setFromHostId(fromHostId).setToHostId(toHostId);
        for (Placement placement : placements) {
            migrated.addDisks(DiskPlacement.newBuilder()
                    .setDiskId(placement.diskId())
                    .setFromDatastoreId(placement.fromDatastoreId())
                    .setToDatastoreId(placement.toDatastoreId()));
        }
        outbox.add(Topic.INVENTORY, vmId, migrated.build());
    }

    public void diskUpserted(Recorded.Disk disk) {
        outbox.add(
                Topic.INVENTORY,
                disk.id(),
                VirtualDiskUpserted.newBuilder()
                        .setDisk(FleetMessages.disk(disk))
                        .build());
    }

    public void diskRemoved(String diskId) {
        outbox.add(
                Topic.INVENTORY,
                diskId,
                VirtualDiskRemoved.newBuilder().setDiskId(diskId).build());
    }

    /** A profile was created or changed; keyed by its name. */
    public void profileUpserted(Profile profile) {
        outbox.add(
                Topic.INVENTORY,
                profile.name(),
                ProfileUpserted.newBuilder()
                        .setProfile(io.ballast.proto.inventory.v1.Profile.newBuilder()
                                .setName(profile.name())
                                .setMinFreeRatio(profile.minFreeRatio())
                                .setDesiredFreeRatio(profile.desiredFreeRatio())
                                .setPriority(profile.priority()))
                        .build());
    }
}
