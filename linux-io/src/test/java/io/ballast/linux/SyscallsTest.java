package io.ballast.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The system calls on a real file of this machine's filesystem. */
class SyscallsTest {

    private static final int MIB = 1 << 20;

    @TempDir
    Path temp;

    @Test
    void punchingAHoleFreesItsBlocksKeepsTheSizeAndReadsAsZeros() throws Exception {
        Path file = temp.resolve("image");
        byte[] ones = new byte[MIB];
        Arrays.fill(ones, (byte) 1);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < 4; i++) {
                channel.write(ByteBuffer.wrap(ones));
            }
            channel.force(true);
        }
        int fd = Syscalls.open(file, Syscalls.O_RDWR | Syscalls.O_CLOEXEC, 0);
        try {
            long before = Syscalls.stat(fd).allocatedBytes();
            assertThat(Syscalls.dataBytes(fd, 0, 4L * MIB)).isEqualTo(4L * MIB);

            Syscalls.punchHole(fd, MIB, 2L * MIB);
            Syscalls.fsync(fd);

            var stat = Syscalls.stat(fd);
            assertThat(stat.sizeBytes()).isEqualTo(4L * MIB);
            assertThat(before - stat.allocatedBytes()).isEqualTo(2L * MIB);
            assertThat(Syscalls.dataRanges(fd, 0, 4L * MIB))
                    .containsExactly(new long[] {0, MIB}, new long[] {3L * MIB, 4L * MIB});
            assertThat(Syscalls.dataBytes(fd, MIB, 3L * MIB)).isZero();
            assertThat(Syscalls.dataBytes(fd, 512 * 1024, 3L * MIB + 4096)).isEqualTo(512 * 1024 + 4096);
        } finally {
            Syscalls.close(fd);
        }
        byte[] content = Files.readAllBytes(file);
        assertThat(Arrays.copyOfRange(content, MIB, 3 * MIB)).containsOnly(0);
        assertThat(Arrays.copyOfRange(content, 0, MIB)).containsOnly(1);
    }

    @Test
    void aSparseFileHasNoDataWhereNothingWasWritten() throws Exception {
        Path file = temp.resolve("sparse");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {42}), 8L * MIB);
        }
        int fd = Syscalls.open(file, Syscalls.O_RDONLY | Syscalls.O_CLOEXEC, 0);
        try {
            assertThat(Syscalls.dataBytes(fd, 0, 8L * MIB)).isZero();
            assertThat(Syscalls.dataRanges(fd, 0, 9L * MIB)).hasSize(1);
        } finally {
            Syscalls.close(fd);
        }
    }

    @Test
    void aFailedCallNamesTheCallAndTheErrno() {
        assertThatThrownBy(() -> Syscalls.open(temp.resolve("missing"), Syscalls.O_RDONLY, 0))
                .isInstanceOfSatisfying(SyscallException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.getMessage())
                            .startsWith("open(" + temp.resolve("missing") + ", 00, 00): ")
                            .endsWith("(ENOENT)");
                });
    }

    @Test
    void writebackStartsOnAWrittenRangeAndANegativeRangeIsRefused() throws Exception {
        Path file = temp.resolve("written");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[MIB]), 0);
        }
        int fd = Syscalls.open(file, Syscalls.O_RDWR | Syscalls.O_CLOEXEC, 0);
        try {
            Syscalls.startWriteback(fd, 0, MIB);
            assertThatThrownBy(() -> Syscalls.startWriteback(fd, -1, MIB))
                    .isInstanceOfSatisfying(
                            SyscallException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        } finally {
            Syscalls.close(fd);
        }
    }
}
