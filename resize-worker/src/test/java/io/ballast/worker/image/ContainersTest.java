package io.ballast.worker.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.local.launch.Commands;
import io.ballast.testsupport.SystemPrerequisites;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Containers made by qemu-img, told apart by their first bytes. */
class ContainersTest {

    @TempDir
    Path temp;

    @Test
    void aRawFileIsRaw() throws Exception {
        Path raw = temp.resolve("disk.img");
        Commands.run("truncate", "-s", "1M", raw.toString());

        assertThat(Containers.detect(raw)).isEqualTo(new Container.Raw(raw));
    }

    @Test
    void aVmdkMonolithicFlatIsItsFlatExtent() throws Exception {
        SystemPrerequisites.requireTools("qemu-img");
        Path vmdk = temp.resolve("disk.vmdk");
        Commands.run(
                "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", vmdk.toString(), "64M");

        assertThat(Containers.detect(vmdk))
                .isEqualTo(new Container.VmdkFlat(vmdk, temp.resolve("disk-flat.vmdk"), 64 * 2048));
    }

    @Test
    void qcow2IsRefusedWithWhatToDoInstead() throws Exception {
        SystemPrerequisites.requireTools("qemu-img");
        Path qcow2 = temp.resolve("disk.qcow2");
        Commands.run("qemu-img", "create", "-q", "-f", "qcow2", qcow2.toString(), "64M");

        assertThatThrownBy(() -> Containers.detect(qcow2))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining(qcow2 + " is qcow2")
                .hasMessageContaining("BLKDISCARD")
                .hasMessageContaining("qemu-img convert -O raw");
    }

    @Test
    void sparseVmdkIsRefusedWithWhatToDoInstead() throws Exception {
        SystemPrerequisites.requireTools("qemu-img");
        for (String subformat : new String[] {"monolithicSparse", "streamOptimized"}) {
            Path vmdk = temp.resolve(subformat + ".vmdk");
            Commands.run(
                    "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=" + subformat, vmdk.toString(), "64M");

            assertThatThrownBy(() -> Containers.detect(vmdk))
                    .as(subformat)
                    .isInstanceOf(ImageException.Refused.class)
                    .hasMessageContaining("is a sparse VMDK");
        }
    }

    @Test
    void aSplitFlatVmdkIsRefused() throws Exception {
        SystemPrerequisites.requireTools("qemu-img");
        Path vmdk = temp.resolve("split.vmdk");
        Commands.run(
                "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentFlat", vmdk.toString(), "64M");

        assertThatThrownBy(() -> Containers.detect(vmdk))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("createType 'twoGbMaxExtentFlat'");
    }

    @Test
    void aMissingImageOrADirectoryIsRefused() throws Exception {
        assertThatThrownBy(() -> Containers.detect(temp.resolve("nope.img")))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage(temp.resolve("nope.img") + " does not exist");
        assertThatThrownBy(() -> Containers.detect(Files.createDirectory(temp.resolve("dir"))))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("is neither a regular file nor a block device");
    }
}
