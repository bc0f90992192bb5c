package io.ballast.testsupport;

import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.Datastore;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.ImageFormat;
import io.ballast.proto.inventory.v1.Profile;
import io.ballast.proto.inventory.v1.ProfileUpserted;
import io.ballast.proto.inventory.v1.VirtualDisk;
import io.ballast.proto.inventory.v1.VirtualDiskRemoved;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.inventory.v1.Vm;
import io.ballast.proto.inventory.v1.VmUpserted;
import java.nio.file.Path;

/**
 * What inventory publishes on {@link Topic#INVENTORY} about a fleet, as the tests and benchmarks of the services that
 * read it describe theirs: datastores, profiles, VMs and raw disks, each keyed as inventory keys it (by its own id).
 *
 * <pre>{@code
 * InventoryEvents fleet = new InventoryEvents(producer);
 * fleet.datastore("ds-1", 100 * GIB, Path.of("/datastores/ds-1"));
 * fleet.vm("vm-1", "host-1", "web");
 * fleet.rawDisk("disk-1", "vm-1", "ds-1", Path.of("/datastores/ds-1/disk-1.img"), 40 * GIB, "ser-disk-1");
 * }</pre>
 *
 * <p>Each call publishes and waits for the broker, unless the producer was made with {@link EventProducer#batching}:
 * then it sends without waiting, and {@link EventProducer#flush} waits for them all.
 */
public final class InventoryEvents {

    private final EventProducer producer;

    public InventoryEvents(EventProducer producer) {
        this.producer = producer;
    }

    /** A datastore of {@code capacityBytes} at {@code location} (a directory of images). */
    public void datastore(String id, long capacityBytes, Path location) {
        publish(
                id,
                DatastoreUpserted.newBuilder()
                        .setDatastore(Datastore.newBuilder()
                                .setDatastoreId(id)
                                .setCapacityBytes(capacityBytes)
                                .setLocation(location.toString()))
                        .build());
    }

    /** A right-sizing profile: the free ratios a VM's guest keeps, and its priority for spare space. */
    public void profile(String name, double minFreeRatio, double desiredFreeRatio, int priority) {
        publish(
                name,
                ProfileUpserted.newBuilder()
                        .setProfile(Profile.newBuilder()
                                .setName(name)
                                .setMinFreeRatio(minFreeRatio)
                                .setDesiredFreeRatio(desiredFreeRatio)
                                .setPriority(priority))
                        .build());
    }

    /** A VM on {@code hostId} running with {@code profile} (empty: the default profile). */
    public void vm(String vmId, String hostId, String profile) {
        publish(
                vmId,
                VmUpserted.newBuilder()
                        .setVm(Vm.newBuilder().setVmId(vmId).setHostId(hostId).setProfile(profile))
                        .build());
    }

    /** A raw disk image of {@code designatedBytes} on a datastore, which its guest knows by {@code serial}. */
    public void rawDisk(
            String diskId, String vmId, String datastoreId, Path image, long designatedBytes, String serial) {
        publish(
                diskId,
                VirtualDiskUpserted.newBuilder()
                        .setDisk(VirtualDisk.newBuilder()
                                .setDiskId(diskId)
                                .setVmId(vmId)
                                .setDatastoreId(datastoreId)
                                .setImagePath(image.toString())
                                .setFormat(ImageFormat.IMAGE_FORMAT_RAW)
                                .setDesignatedBytes(designatedBytes)
                                .setSerial(serial))
                        .build());
    }

    /** The disk is gone from the fleet. */
    public void diskRemoved(String diskId) {
        publish(diskId, VirtualDiskRemoved.newBuilder().setDiskId(diskId).build());
    }

    private void publish(String key, com.google.protobuf.Message event) {
        if (producer.batching()) {
            producer.publishAsync(Topic.INVENTORY, key, event);
        } else {
            producer.publish(Topic.INVENTORY, key, event);
        }
    }
}
