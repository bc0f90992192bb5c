package io.ballast.inventory.events;

import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.Fleet;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.proto.inventory.v1.Datastore;
import io.ballast.proto.inventory.v1.Host;
import io.ballast.proto.inventory.v1.ImageFormat;
import io.ballast.proto.inventory.v1.PowerState;
import io.ballast.proto.inventory.v1.VirtualDisk;
import io.ballast.proto.inventory.v1.Vm;

/** The fleet's records as the contracts' messages: one mapping for the events and the gRPC interface. */
public final class FleetMessages {

    private FleetMessages() {}

    public static Host host(Recorded.Host host) {
        return Host.newBuilder()
                .setHostId(host.id())
                .setName(host.name())
                .setHypervisorUri(host.uri())
                .build();
    }

    public static Datastore datastore(Recorded.Datastore datastore) {
        return Datastore.newBuilder()
                .setDatastoreId(datastore.id())
                .setName(datastore.name())
                .addAllHostIds(datastore.hostIds())
                .setLocation(datastore.location())
                .setCapacityBytes(datastore.capacityBytes())
                .setAllocatedBytes(datastore.allocatedBytes())
                .setReserveBytes(datastore.reserveBytes())
                .setOtherBytes(datastore.otherBytes())
                .build();
    }

    public static Vm vm(Recorded.Vm vm) {
        return Vm.newBuilder()
                .setVmId(vm.id())
                .setName(vm.name())
                .setHostId(vm.hostId())
                .setPowerState(powerState(vm.powerState()))
                .setProfile(vm.profile())
                .build();
    }

    public static VirtualDisk disk(Recorded.Disk disk) {
        return VirtualDisk.newBuilder()
                .setDiskId(disk.id())
                .setVmId(disk.vmId())
                .setDatastoreId(disk.datastoreId().orElse(""))
                .setImagePath(disk.imagePath())
                .setFormat(format(disk.kind()))
                .setDesignatedBytes(disk.designatedBytes())
                .setBackedBytes(disk.backedBytes())
                .setSerial(disk.serial())
                .build();
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
