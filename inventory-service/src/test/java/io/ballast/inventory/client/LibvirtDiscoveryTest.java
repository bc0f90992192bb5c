package io.ballast.inventory.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.Discovered.PowerState;
import io.ballast.inventory.fleet.Discovered.SourceKind;
import io.ballast.inventory.fleet.HostUnreachable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery through the real libvirt library, on its test driver's default host and on a host described in XML. */
class LibvirtDiscoveryTest {

    private static final long GIB = 1L << 30;

    private final LibvirtDiscovery discovery = new LibvirtDiscovery();

    @Test
    void theDefaultTestHostShowsItsPoolAndRunningDomain() throws Exception {
        Discovered.Host host = discovery.discover("test:///default");

        assertThat(host.uri()).isEqualTo("test:///default");
        assertThat(host.hostname()).isNotBlank();
        assertThat(host.pools()).extracting(Discovered.Pool::name).contains("default-pool");
        assertThat(host.domains()).singleElement().satisfies(domain -> {
            assertThat(domain.name()).isEqualTo("test");
            assertThat(domain.state()).isEqualTo(PowerState.RUNNING);
            assertThat(domain.uuid()).hasSize(36);
        });
    }

    @Test
    void aDescribedHostShowsPoolsVolumesDomainsAndEveryKindOfDisk(@TempDir Path temp) throws Exception {
        Path fleet = temp.resolve("host-a.xml");
        try (var xml = Objects.requireNonNull(getClass().getResourceAsStream("/fleets/host-a.xml"))) {
            Files.copy(xml, fleet);
        }

        Discovered.Host host = discovery.discover("test://" + fleet);

        Discovered.Pool pool = host.pools().stream()
                .filter(p -> p.name().equals("ds-a"))
                .findFirst()
                .orElseThrow();
        assertThat(pool.uuid()).isEqualTo("aaaaaaaa-0000-0000-0000-000000000001");
        assertThat(pool.path()).isEqualTo("/datastores/ds-a");
        assertThat(pool.capacityBytes()).isPositive();
        assertThat(pool.allocationBytes())
                .as("the test driver sums its volumes")
                .isEqualTo(15 * GIB);
        assertThat(pool.volumes())
                .extracting(Discovered.Volume::path, Discovered.Volume::capacityBytes, Discovered.Volume::format)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("/datastores/ds-a/db-1.qcow2", 80 * GIB, "qcow2"),
                        org.assertj.core.groups.Tuple.tuple("/datastores/ds-a/web-1.img", 40 * GIB, "raw"));

        Discovered.Domain web = domain(host, "web-1");
        assertThat(web.uuid()).isEqualTo("11111111-2222-3333-4444-000000000001");
        assertThat(web.state()).isEqualTo(PowerState.RUNNING);
        assertThat(web.disks())
                .as("the CD-ROM is no disk")
                .extracting(Discovered.Disk::targetDev, Discovered.Disk::kind, Discovered.Disk::sourcePath)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("vda", SourceKind.FILE, "/datastores/ds-a/web-1.img"),
                        org.assertj.core.groups.Tuple.tuple("vdb", SourceKind.BLOCK, "/dev/vg0/web-1-data"),
                        org.assertj.core.groups.Tuple.tuple("vdc", SourceKind.NETWORK, ""));
        assertThat(web.disks().getFirst().serial()).isEqualTo("web1-root");
        assertThat(web.disks().getFirst().driverFormat()).isEqualTo("raw");
        assertThat(host.poolHolding("/datastores/ds-a/web-1.img"))
                .map(Discovered.Pool::name)
                .contains("ds-a");

        Discovered.Domain db = domain(host, "db-1");
        assertThat(db.state()).as("defined, not running").isEqualTo(PowerState.SHUT_OFF);
        assertThat(db.disks()).singleElement().satisfies(disk -> {
            assertThat(disk.kind()).isEqualTo(SourceKind.VOLUME);
            assertThat(disk.sourcePath()).as("the pool's volume, resolved").isEqualTo("/datastores/ds-a/db-1.qcow2");
            assertThat(disk.serial()).isEmpty();
            assertThat(disk.driverFormat()).isEqualTo("qcow2");
        });
    }

    @Test
    void aHostThatCannotBeReachedIsRefusedWithItsUri(@TempDir Path temp) {
        String uri = "test://" + temp.resolve("no-such-host.xml");

        assertThatThrownBy(() -> discovery.discover(uri))
                .isInstanceOf(HostUnreachable.class)
                .hasMessageContaining(uri)
                .satisfies(e -> assertThat(((HostUnreachable) e).uri()).isEqualTo(uri));
    }

    private static Discovered.Domain domain(Discovered.Host host, String name) {
        return host.domains().stream()
                .filter(d -> d.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
