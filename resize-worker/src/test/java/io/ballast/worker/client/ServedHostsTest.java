package io.ballast.worker.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.fleet.HostFile;
import io.ballast.support.inventory.HostIds;
import io.ballast.worker.config.WorkerConfig;
import io.ballast.worker.hypervisor.Hypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServedHostsTest {

    private static final String VM = "5e000000-0000-4000-8000-000000000001";

    @TempDir
    Path directory;

    @Test
    void otherHostsAreNamedAsInventoryNamesThemAndReachedThroughTheirOwnUri() throws Exception {
        String a = new HostFile()
                .domain("vm-a", VM, true, HostFile.disk("vda", "/images/a.img", "raw", "a"))
                .writeTo(directory.resolve("host-a.xml"));
        String b = new HostFile().writeTo(directory.resolve("host-b.xml"));

        ServedHosts hosts = new ServedHosts(config(List.of(a, " " + b)), new LibvirtHypervisor("test:///default"));
        try {
            String hostname = new LibvirtHypervisor(a).hostName();
            String idA = HostIds.of(a, hostname);
            String idB = HostIds.of(b, hostname);
            assertThat(hosts.hypervisors().keySet()).containsExactly("own-host", idA, idB);
            assertThat(hosts.serves(idA)).isTrue();
            assertThat(hosts.serves("elsewhere")).isFalse();
            assertThat(hosts.hypervisor(idA).orElseThrow().state(VM)).isEqualTo(Hypervisor.PowerState.RUNNING);
            assertThatThrownBy(() -> hosts.hypervisor(idB).orElseThrow().state(VM))
                    .as("each host is reached through its own URI")
                    .isInstanceOf(Hypervisor.HypervisorException.class);
        } finally {
            hosts.close();
        }
    }

    @Test
    void aUriThatCannotBeReachedOrNamesAServedHostAgainKeepsTheWorkerFromStarting() {
        String a = new HostFile().writeTo(directory.resolve("host-a.xml"));
        String missing = HostFile.uri(directory.resolve("no-such-host.xml"));

        assertThatThrownBy(() -> new ServedHosts(config(List.of(missing)), new LibvirtHypervisor("test:///default")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("BALLAST_WORKER_OTHER_HOSTS")
                .hasMessageContaining(missing);
        assertThatThrownBy(() -> new ServedHosts(config(List.of(a, a)), new LibvirtHypervisor("test:///default")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("serves already");
    }

    private static WorkerConfig config(List<String> otherHosts) {
        return new WorkerConfig() {
            @Override
            public String hostId() {
                return "own-host";
            }

            @Override
            public String libvirtUri() {
                return "test:///default";
            }

            @Override
            public Optional<List<String>> otherHosts() {
                return Optional.of(otherHosts);
            }

            @Override
            public Duration leaseTtl() {
                return Duration.ofMinutes(10);
            }

            @Override
            public Optional<Path> inventoryTokenFile() {
                return Optional.empty();
            }

            @Override
            public Duration shutdownTimeout() {
                return Duration.ofMinutes(1);
            }
        };
    }
}
