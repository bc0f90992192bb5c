package io.ballast.worker.reclaim;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.linux.Fd;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.Filefrag;
import io.ballast.testsupport.LoopDisk;
import io.ballast.worker.image.ByteRange;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A running guest's disk as the host sees it: a GPT image attached as a loop device, ext4 mounted on partition 2,
 * every free block once written (so the image backs it) and freed, then a ballast allocated with fallocate, as the
 * agent does. The ballast's ranges come from {@code filefrag} and the partition's start.
 */
public final class BallastedDisk implements AutoCloseable {

    public static final long MIB = 1 << 20;

    private final LoopDisk disk;
    private final Path mount;

    public BallastedDisk(Path directory, long ballastBytes) {
        disk = LoopDisk.create(directory, 384 * MIB, "label: gpt\nstart=2048, size=65536\nstart=69632\n");
        mount = disk.mountExt4(2, directory);
        Commands.run("dd", "if=/dev/urandom", "of=" + mount.resolve("keep"), "bs=1M", "count=16", "status=none");
        LoopDisk.backFreeBlocks(mount);
        Commands.run(
                "fallocate",
                "-l",
                Long.toString(ballastBytes),
                mount.resolve(".ballast").toString());
        Commands.run("sync");
    }

    public LoopDisk disk() {
        return disk;
    }

    public Path image() {
        return disk.image();
    }

    public Path mount() {
        return mount;
    }

    /** The ballast's blocks as disk byte ranges: filefrag's physical extents plus partition 2's start. */
    public List<ByteRange> ballastRanges() {
        List<ByteRange> ranges = Filefrag.diskRanges(mount.resolve(".ballast"), disk.partitionStartBytes(2)).stream()
                .map(range -> ByteRange.ofLength(range.offsetBytes(), range.lengthBytes()))
                .toList();
        assertThat(ranges).isNotEmpty();
        return ranges;
    }

    /** Bytes the image file occupies on the host. */
    public long allocatedBytes() throws IOException {
        return Fd.stat(image()).allocatedBytes();
    }

    @Override
    public void close() {
        disk.close();
    }
}
