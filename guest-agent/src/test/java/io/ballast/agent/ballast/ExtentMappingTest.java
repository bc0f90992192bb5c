package io.ballast.agent.ballast;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.agent.device.DiskLocation;
import io.ballast.linux.FiemapFlags;
import io.ballast.linux.Syscalls.FiemapExtent;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExtentMappingTest {

    private static final DiskLocation.Mapped VDA2 =
            new DiskLocation.Mapped("vda2", "vda", "disk-7", 1 << 20, 100L << 20);

    @Test
    void addsThePartitionStartAndMergesAdjacentExtents() {
        var map = Ballasts.map(
                List.of(
                        new FiemapExtent(0, 4096, 8192, FiemapFlags.UNWRITTEN),
                        new FiemapExtent(8192, 12288, 4096, FiemapFlags.UNWRITTEN),
                        new FiemapExtent(12288, 65536, 4096, FiemapFlags.UNWRITTEN | FiemapFlags.LAST)),
                VDA2);

        assertThat(map)
                .isEqualTo(new ExtentMap.Mapped(
                        List.of(new Extent((1 << 20) + 4096, 12288), new Extent((1 << 20) + 65536, 4096))));
    }

    @Test
    void ordersExtentsByDiskOffset() {
        var map = Ballasts.map(
                List.of(new FiemapExtent(0, 1 << 20, 4096, 0), new FiemapExtent(4096, 0, 4096, FiemapFlags.LAST)),
                VDA2);

        assertThat(((ExtentMap.Mapped) map).extents())
                .extracting(Extent::diskOffsetBytes)
                .containsExactly(1L << 20, 2L << 20);
    }

    @Test
    void aSharedOrInlineOrDelayedExtentIsNeverReportedAsARange() {
        for (int flag : new int[] {
            FiemapFlags.SHARED,
            FiemapFlags.DATA_INLINE,
            FiemapFlags.DELALLOC,
            FiemapFlags.UNKNOWN,
            FiemapFlags.ENCODED,
            FiemapFlags.NOT_ALIGNED
        }) {
            var map = Ballasts.map(
                    List.of(new FiemapExtent(0, 4096, 4096, 0), new FiemapExtent(4096, 8192, 4096, flag)), VDA2);
            assertThat(map)
                    .as(FiemapFlags.names(flag).toString())
                    .isInstanceOfSatisfying(ExtentMap.Unavailable.class, unavailable -> assertThat(unavailable.reason())
                            .contains("file offset 4096")
                            .contains(FiemapFlags.names(flag).getFirst()));
        }
    }

    @Test
    void anExtentOutsideThePartitionIsNeverReportedAsARange() {
        var map = Ballasts.map(List.of(new FiemapExtent(0, (100L << 20) - 4096, 8192, 0)), VDA2);

        assertThat(map)
                .isInstanceOfSatisfying(ExtentMap.Unavailable.class, unavailable -> assertThat(unavailable.reason())
                        .contains("is not inside vda2"));
    }
}
