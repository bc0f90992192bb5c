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
        try (Fd fd = Fd.readWrite(file)) {
            long before = fd.stat().allocatedBytes();
            assertThat(fd.dataBytes(0, 4L * MIB)).isEqualTo(4L * MIB);

            fd.punchHole(MIB, 2L * MIB);
            fd.fsync();

            var stat = fd.stat();
            assertThat(stat.sizeBytes()).isEqualTo(4L * MIB);
            assertThat(before - stat.allocatedBytes()).isEqualTo(2L * MIB);
            assertThat(fd.dataRanges(0, 4L * MIB))
                    .containsExactly(new DataRange(0, MIB), new DataRange(3L * MIB, 4L * MIB));
            assertThat(fd.dataBytes(MIB, 3L * MIB)).isZero();
            assertThat(fd.dataBytes(512 * 1024, 3L * MIB + 4096)).isEqualTo(512 * 1024 + 4096);
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
        try (Fd fd = Fd.readOnly(file)) {
            assertThat(fd.dataBytes(0, 8L * MIB)).isZero();
            assertThat(fd.dataRanges(0, 9L * MIB)).hasSize(1);
        }
    }

    @Test
    void aDescriptorClosesOnceAndADirectorySyncs() throws Exception {
        Path file = Files.writeString(temp.resolve("once"), "x");
        Fd fd = Fd.readOnly(file);
        fd.close();
        fd.close();
        assertThatThrownBy(fd::fsync).isInstanceOfSatisfying(SyscallException.class, e -> assertThat(e.errno())
                .isEqualTo(Errno.EBADF));
        Fd.syncDirectoryOf(file);
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
        try (Fd fd = Fd.readWrite(file)) {
            fd.startWriteback(0, MIB);
            assertThatThrownBy(() -> fd.startWriteback(-1, MIB))
                    .isInstanceOfSatisfying(
                            SyscallException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }
    }
}
