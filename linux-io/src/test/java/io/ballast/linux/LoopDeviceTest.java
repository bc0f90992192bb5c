package io.ballast.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.testsupport.SystemPrerequisites;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A self-clearing loop device over a byte range of a real file. */
class LoopDeviceTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path temp;

    @BeforeEach
    void prerequisites() {
        SystemPrerequisites.require();
    }

    @Test
    void theDeviceIsTheRangeOfTheFileAndDetachesWhenTheLastHolderCloses() throws Exception {
        Path file = temp.resolve("disk.img");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.truncate(0);
            channel.write(ByteBuffer.allocate(1), 8L * MIB - 1);
        }
        Path device;
        String name;
        try (Fd fd = Fd.readWrite(file);
                Syscalls.LoopDevice loop = fd.attachLoop(2L * MIB, 3L * MIB, false)) {
            device = loop.path();
            name = device.getFileName().toString();
            assertThat(Files.readString(Path.of("/sys/block", name, "size")).strip())
                    .isEqualTo(String.valueOf(3L * MIB / 512));
            assertThat(Files.readString(Path.of("/sys/block", name, "loop/offset"))
                            .strip())
                    .isEqualTo(String.valueOf(2L * MIB));
            assertThat(Files.readString(Path.of("/sys/block", name, "loop/autoclear"))
                            .strip())
                    .isEqualTo("1");
            byte[] sevens = new byte[4096];
            Arrays.fill(sevens, (byte) 7);
            try (FileChannel through = FileChannel.open(device, StandardOpenOption.WRITE)) {
                through.write(ByteBuffer.wrap(sevens), 4096);
                through.force(true);
            }
        }
        byte[] content = Files.readAllBytes(file);
        assertThat(Arrays.copyOfRange(content, 2 * MIB + 4096, 2 * MIB + 8192)).containsOnly(7);
        assertThat(Arrays.copyOfRange(content, 0, 2 * MIB + 4096)).containsOnly(0);
        Path backing = Path.of("/sys/block", name, "loop");
        await("the loop device detaches itself")
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !Files.exists(backing));
    }

    @Test
    void aReadOnlyDeviceRefusesWrites() throws Exception {
        Path file = temp.resolve("ro.img");
        Files.write(file, new byte[MIB]);
        try (Fd fd = Fd.readOnly(file);
                Syscalls.LoopDevice loop = fd.attachLoop(0, MIB, true)) {
            assertThat(Files.readString(Path.of(
                                    "/sys/block", loop.path().getFileName().toString(), "ro"))
                            .strip())
                    .isEqualTo("1");
        }
    }
}
