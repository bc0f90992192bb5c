package io.ballast.agent.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountsTest {

    @Test
    void readsDeviceTypeSourceAndReadOnlyFromALine() {
        MountPoint mount =
                Mounts.parse("36 35 252:2 / /var rw,relatime shared:1 - ext4 /dev/vda2 rw,errors=remount-ro");

        assertThat(mount).isEqualTo(new MountPoint(Path.of("/var"), 252, 2, "ext4", "/dev/vda2", false));
        assertThat(mount.deviceNumber()).isEqualTo("252:2");
        assertThat(Mounts.parse("40 1 0:45 / /srv/data ro,nosuid - nfs4 nas:/export rw")
                        .readOnly())
                .isTrue();
    }

    @Test
    void undoesTheOctalEscapesOfMountPoints() {
        MountPoint mount = Mounts.parse("41 1 8:17 / /mnt/my\\040disk\\134x rw - xfs /dev/sdb1 rw");

        assertThat(mount.mountPoint()).isEqualTo(Path.of("/mnt/my disk\\x"));
    }

    @Test
    void refusesALineThatIsNotMountinfo() {
        assertThatThrownBy(() -> Mounts.parse("/dev/vda1 / ext4 rw 0 0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a mountinfo line");
    }

    @Test
    void findsTheTopmostMountAtADirectoryAndTheOneContainingAPath(@TempDir Path temp) throws Exception {
        Path data = Files.createDirectory(temp.resolve("data"));
        Path inside = Files.createDirectories(data.resolve("a/b"));
        Path mountinfo = temp.resolve("mountinfo");
        Files.writeString(
                mountinfo,
                String.join(
                        "\n",
                        "1 0 252:1 / / rw - ext4 /dev/vda1 rw",
                        "2 1 252:2 / " + data + " rw - ext4 /dev/vda2 rw",
                        "3 2 252:3 / " + data + " rw - xfs /dev/vda3 rw",
                        ""));
        Mounts mounts = new Mounts(mountinfo);

        assertThat(mounts.at(data)).map(MountPoint::source).contains("/dev/vda3");
        assertThat(mounts.at(inside)).isEmpty();
        assertThat(mounts.containing(inside)).map(MountPoint::mountPoint).contains(data);
    }
}
