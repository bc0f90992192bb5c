package io.ballast.inventory.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.inventory.fleet.Discovered.SourceKind;
import io.ballast.inventory.fleet.Fleet.ImageKind;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** From what discovery saw to what inventory records: ids, placement on pools, sizes and kinds. */
class FleetTest {

    private static final long GIB = 1L << 30;

    private static final Discovered.Pool POOL = new Discovered.Pool(
            "pool-uuid",
            "ds-a",
            "/datastores/ds-a",
            500 * GIB,
            60 * GIB,
            440 * GIB,
            List.of(
                    new Discovered.Volume("web.img", "/datastores/ds-a/web.img", 40 * GIB, 12 * GIB, "raw"),
                    new Discovered.Volume("db.vmdk", "/datastores/ds-a/db.vmdk", 80 * GIB, 8 * GIB, "vmdk")));

    private static Discovered.Disk disk(String target, SourceKind kind, String path, String format) {
        return new Discovered.Disk(target, kind, path, "ser-" + target, format, "", "");
    }

    @Test
    void disksArePlacedOnThePoolHoldingTheirImageWithTheVolumesSizes() {
        Discovered.Host seen = new Discovered.Host(
                "qemu+ssh://root@Host-1.example/system",
                "host-1",
                List.of(POOL),
                List.of(new Discovered.Domain(
                        "vm-uuid",
                        "web",
                        Discovered.PowerState.RUNNING,
                        List.of(
                                disk("vda", SourceKind.FILE, "/datastores/ds-a/web.img", "raw"),
                                disk("vdb", SourceKind.FILE, "/datastores/ds-a/db.vmdk", ""),
                                disk("vdc", SourceKind.BLOCK, "/dev/vg0/data", "raw"),
                                disk("vdd", SourceKind.NETWORK, "", "raw"),
                                disk("vde", SourceKind.FILE, "/datastores/ds-a/new.img", "raw"),
                                disk("vdf", SourceKind.FILE, "/datastores/ds-a-other/x.img", "raw")))));

        Fleet.Part part = Fleet.of(seen);

        assertThat(part.host().id())
                .as("the URI's host, lower case, without the user")
                .isEqualTo("host-1.example");
        assertThat(part.datastores()).singleElement().satisfies(datastore -> {
            assertThat(datastore.id()).isEqualTo("pool-uuid");
            assertThat(datastore.hostId()).isEqualTo("host-1.example");
            assertThat(datastore.location()).isEqualTo("/datastores/ds-a");
            assertThat(datastore.capacityBytes()).isEqualTo(500 * GIB);
        });
        assertThat(part.vms()).singleElement().satisfies(vm -> assertThat(vm.id())
                .isEqualTo("vm-uuid"));
        assertThat(part.disks())
                .extracting(Fleet.Disk::id, Fleet.Disk::datastoreId, Fleet.Disk::kind, Fleet.Disk::designatedBytes)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "vm-uuid-vda", Optional.of("pool-uuid"), ImageKind.RAW, 40 * GIB),
                        org.assertj.core.groups.Tuple.tuple(
                                "vm-uuid-vdb", Optional.of("pool-uuid"), ImageKind.VMDK, 80 * GIB),
                        org.assertj.core.groups.Tuple.tuple(
                                "vm-uuid-vdc", Optional.empty(), ImageKind.BLOCK_DEVICE, 0L),
                        org.assertj.core.groups.Tuple.tuple("vm-uuid-vdd", Optional.empty(), ImageKind.OTHER, 0L),
                        // in the pool's directory, not listed until the pool is refreshed: placed, size unknown
                        org.assertj.core.groups.Tuple.tuple("vm-uuid-vde", Optional.of("pool-uuid"), ImageKind.RAW, 0L),
                        // a directory whose name only begins like the pool's is another directory
                        org.assertj.core.groups.Tuple.tuple("vm-uuid-vdf", Optional.empty(), ImageKind.RAW, 0L));
        assertThat(part.disks().getFirst().backedBytes()).isEqualTo(12 * GIB);
        assertThat(part.disks().getFirst().serial()).isEqualTo("ser-vda");
    }
}
