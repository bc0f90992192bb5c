package io.ballast.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.fleet.FleetLayout;
import io.ballast.local.fleet.HostFile;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet's host files as libvirt's test driver reads them: every domain, pool and volume. */
class FleetLayoutTest {

    @Test
    void theTestDriverShowsEveryVmOfAHostWithItsPoolsAndVolumes(@TempDir Path directory) {
        SystemPrerequisites.requireTools("virsh");
        List<FleetLayout.Host> fleet = FleetLayout.plan(
                directory, new FleetLayout.Size(2, 45), new FleetLayout.Shape(10, 20 * HostFile.GIB, 10));
        fleet.forEach(host -> FleetLayout.write(host, vm -> vm.index() * (1L << 20)));

        assertThat(fleet).hasSize(2);
        assertThat(fleet.get(0).vms()).hasSize(23);
        assertThat(fleet.get(1).vms()).hasSize(22);
        String uri = fleet.get(0).uri();
        assertThat(uri).isEqualTo("test://" + directory.resolve("host-001.xml"));
        assertThat(virsh(uri, "list", "--all", "--name").lines().filter(line -> !line.isBlank()))
                .hasSize(23);
        assertThat(virsh(uri, "list", "--state-shutoff", "--name").lines().filter(line -> !line.isBlank()))
                .as("one VM in ten is shut off")
                .containsExactly("vm-00010", "vm-00020");
        assertThat(virsh(uri, "pool-list", "--all", "--name")
                        .lines()
                        .map(String::strip)
                        .filter(line -> !line.isEmpty()))
                .containsExactly("host-001-ds-1", "host-001-ds-2", "host-001-ds-3");
        assertThat(virsh(uri, "vol-list", "host-001-ds-3").lines().filter(line -> line.contains(".img")))
                .as("the last datastore holds what is left over")
                .hasSize(3);
        FleetLayout.Vm second = fleet.get(1).vms().getFirst();
        assertThat(second.name()).isEqualTo("vm-00024");
        assertThat(virsh(fleet.get(1).uri(), "domblklist", second.name(), "--details"))
                .contains(directory.resolve("images/host-002-ds-1/vm-00024.img").toString());
        assertThat(virsh(fleet.get(1).uri(), "vol-info", "--pool", "host-002-ds-1", "vm-00024.img", "--bytes"))
                .containsPattern("Capacity:\\s+21474836480 bytes")
                .containsPattern("Allocation:\\s+" + 23 * (1L << 20) + " bytes");
    }

    @Test
    void aFleetSizeIsHostsAndVmsAndEachIsCheckedOnce() {
        assertThat(FleetLayout.Size.parse("vms=1000, hosts=50")).isEqualTo(new FleetLayout.Size(50, 1000));
        assertThatThrownBy(() -> FleetLayout.Size.parse("hosts=5"))
                .hasMessage("--fleet takes both hosts=H and vms=V, not 'hosts=5'");
        assertThatThrownBy(() -> FleetLayout.Size.parse("hosts=5,disks=3"))
                .hasMessage("--fleet takes hosts=H,vms=V; 'disks' is neither");
        assertThatThrownBy(() -> FleetLayout.Size.parse("hosts=ten,vms=3"))
                .hasMessageContaining("not 'hosts=ten,vms=3'");
        assertThatThrownBy(() -> FleetLayout.Size.parse("hosts=5,vms=3"))
                .hasMessage("a fleet needs at least one host and a VM on each, not 5 hosts and 3 VMs");
    }

    private static String virsh(String uri, String... arguments) {
        String[] command = new String[arguments.length + 3];
        command[0] = "virsh";
        command[1] = "-c";
        command[2] = uri;
        System.arraycopy(arguments, 0, command, 3, arguments.length);
        return Commands.run(command);
    }
}
