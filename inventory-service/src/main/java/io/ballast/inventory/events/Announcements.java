package io.ballast.inventory.events;

import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.Fleet;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.profile.Profile;
import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.Datastore;
import io.ballast.proto.inventory.v1.DatastoreRemoved;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.DiskPlacement;
import io.ballast.proto.inventory.v1.Host;
import io.ballast.proto.inventory.v1.HostRemoved;
import io.ballast.proto.inventory.v1.HostUpserted;
import io.ballast.proto.inventory.v1.ImageFormat;
import io.ballast.proto.inventory.v1.PowerState;
import io.ballast.proto.inventory.v1.ProfileUpserted;
import io.ballast.proto.inventory.v1.VirtualDisk;
import io.ballast.proto.inventory.v1.VirtualDiskRemoved;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.inventory.v1.Vm;
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
                HostUpserted.newBuilder()
                        .setHost(Host.newBuilder()
                                .setHostId(host.id())
                                .setName(host.name())
                                .setHypervisorUri(host.uri()))
                        .build());
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
                        .setDatastore(Datastore.newBuilder()
                                .setDatastoreId(datastore.id())
                                .setName(datastore.name())
                                .addAllHostIds(datastore.hostIds())
                                .setLocation(datastore.location())
                                .setCapacityBytes(datastore.capacityBytes())
                                .setAllocatedBytes(datastore.allocatedBytes())
                                .setReserveBytes(datastore.reserveBytes())
                                .setOtherBytes(datastore.otherBytes()))
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
                VmUpserted.newBuilder()
                        .setVm(Vm.newBuilder()
                                .setVmId(vm.id())
                                .setName(vm.name())
                                .setHostId(vm.hostId())
                                .setPowerState(powerState(vm.powerState()))
                                .setProfile(vm.profile()))
                        .build());
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
                        .setDisk(VirtualDisk.newBuilder()
                                .setDiskId(disk.id())
                                .setVmId(disk.vmId())
                                .setDatastoreId(disk.datastoreId().orElse(""))
                                .setImagePath(disk.imagePath())
                                .setFormat(format(disk.kind()))
                                .setDesignatedBytes(disk.designatedBytes())
                                .setBackedBytes(disk.backedBytes())
                                .setSerial(disk.serial()))
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

    static PowerState powerState(Discovered.PowerState state) {
        return switch (state) {
            case RUNNING -> PowerState.POWER_STATE_RUNNING;
            case PAUSED -> PowerState.POWER_STATE_PAUSED;
            case SHUT_OFF -> PowerState.POWER_STATE_SHUT_OFF;
        };
    }

    /**
     * The contract's format of a kind of image. A VMDK whose variant libvirt does not tell is announced as sparse:
     * never punched, and its format overhead counted, which is the safe side of either guess.
     */
    static ImageFormat format(Fleet.ImageKind kind) {
        return switch (kind) {
            case RAW -> ImageFormat.IMAGE_FORMAT_RAW;
            case BLOCK_DEVICE -> ImageFormat.IMAGE_FORMAT_BLOCK_DEVICE;
            case QCOW2 -> ImageFormat.IMAGE_FORMAT_QCOW2;
            case VMDK -> ImageFormat.IMAGE_FORMAT_VMDK_SPARSE;
            case OTHER -> ImageFormat.IMAGE_FORMAT_UNSPECIFIED;
        };
    }
}
