package io.ballast.bench.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.testsupport.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet's files as libvirt's test driver reads them: every domain, pool and volume, at the bench's host size. */
class FleetFilesTest {

    @Test
    void theTestDriverShowsEveryVmOfAHostWithItsPoolsAndVolumes(@TempDir Path directory) {
        SystemPrerequisites.requireTools("virsh");

        List<FleetFiles.Host> fleet = FleetFiles.write(directory, 1001, 2, 1);

        assertThat(fleet).hasSize(2);
        assertThat(fleet.get(0).vms()).hasSize(501);
        assertThat(fleet.get(1).vms()).hasSize(500);
        String uri = fleet.get(0).uri();
        assertThat(uri).isEqualTo("test://" + directory.resolve("host-001.xml"));
        assertThat(virsh(uri, "list", "--all", "--name").lines().filter(line -> !line.isBlank()))
                .hasSize(501);
        assertThat(virsh(uri, "list", "--state-shutoff", "--name").lines().filter(line -> !line.isBlank()))
                .as("one VM in ten is shut off")
                .hasSize(50);
        assertThat(virsh(uri, "pool-list", "--all", "--name")
                        .lines()
                        .map(String::strip)
                        .filter(line -> !line.isEmpty()))
                .containsExactly(
                        "datastore-1", "datastore-2", "datastore-3", "datastore-4", "datastore-5", "datastore-6");
        assertThat(virsh(uri, "vol-list", "datastore-6").lines().filter(line -> line.contains(".img")))
                .as("the last datastore holds what is left over")
                .hasSize(1);
        FleetFiles.Vm first = fleet.get(0).vms().getFirst();
        assertThat(virsh(uri, "domblklist", first.name(), "--details"))
                .contains("/datastores/host-001/datastore-1/" + first.name() + ".img");
        assertThat(virsh(uri, "pool-info", "datastore-1"))
                .as("the driver's 100 GiB pool holds its volumes' allocation")
                .containsPattern("Allocation:\\s+[6-8]\\d\\.\\d+ GiB");
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
