package io.ballast.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The images as the host's tools read them: a DOS table with one Linux partition, sparse, sampled data. */
class GuestImageTest {

    private static final long GIB = 1L << 30;

    @Test
    void anImageIsASparseDiskWithOneLinuxPartitionFromOneMebibyteToItsEnd(@TempDir Path directory) throws Exception {
        SystemPrerequisites.requireTools("sfdisk");
        Path image = directory.resolve("ds/vm.img");

        assertThat(GuestImage.create(image, 20 * GIB, 2 * GIB)).isTrue();

        assertThat(Files.size(image)).isEqualTo(20 * GIB);
        String table = Commands.run("sfdisk", "--dump", image.toString());
        assertThat(table).contains("label: dos").containsPattern("start=\\s*2048, size=\\s*41940992, type=83");
        long samples = 2 * GIB / GuestImage.STRIDE_BYTES;
        assertThat(GuestImage.allocatedBytes(image))
                .as("the table's sector and a sample at the start of every stride")
                .isBetween(samples * GuestImage.SAMPLE_BYTES, samples * GuestImage.SAMPLE_BYTES + (1L << 20));
        assertThat(GuestImage.create(image, 20 * GIB, 4 * GIB))
                .as("an image of the disk's size is kept")
                .isFalse();
    }

    @Test
    void theGuestsDataLandsInThePartitionAndADiscardPunchesItOut(@TempDir Path directory) throws Exception {
        Path image = directory.resolve("vm.img");
        GuestImage.create(image, 4 * GIB, 0);
        long empty = GuestImage.allocatedBytes(image);

        GuestImage.write(image, GIB, 2 * GIB);
        long written = GuestImage.allocatedBytes(image) - empty;
        assertThat(written).isEqualTo(GIB / GuestImage.STRIDE_BYTES * GuestImage.SAMPLE_BYTES);

        GuestImage.discard(image, SimulatedGuest.PARTITION_START + GIB, GIB);
        assertThat(GuestImage.allocatedBytes(image)).isEqualTo(empty);
    }

    @Test
    void aShutOffVmsImageHoldsACleanExt4FilesystemWithItsFiles(@TempDir Path directory) throws Exception {
        SystemPrerequisites.requireTools("mkfs.ext4", "e2fsck", "debugfs");
        Path files = Files.createDirectories(directory.resolve("files/etc"));
        Files.writeString(files.resolve("hostname"), "vm-00010\n");
        Path image = directory.resolve("vm-00010.img");

        assertThat(GuestImage.createOffline(image, 20 * GIB, "vm-00010", directory.resolve("files")))
                .isTrue();

        assertThat(Files.size(image)).isEqualTo(20 * GIB);
        assertThat(Commands.run("sfdisk", "--dump", image.toString()))
                .containsPattern("start=\\s*2048, size=\\s*41940992, type=83");
        String partition = image + "?offset=" + SimulatedGuest.PARTITION_START;
        assertThat(Commands.run("e2fsck", "-fn", partition)).contains("vm-00010:");
        assertThat(Commands.run("debugfs", "-R", "cat /etc/hostname", partition))
                .isEqualTo("vm-00010\n");
        assertThat(GuestImage.allocatedBytes(image)).as("sparse").isLessThan(16L << 20);
    }
}
