package io.ballast.agent.ballast;

import java.util.List;

/** Where the ballast's blocks are on the virtual disk, or why that cannot be said exactly. */
public sealed interface ExtentMap {

    /** The blocks, in ascending disk order, adjacent ranges merged. */
    record Mapped(List<Extent> extents) implements ExtentMap {
        public Mapped {
            extents = List.copyOf(extents);
        }

        public long totalBytes() {
            return extents.stream().mapToLong(Extent::lengthBytes).sum();
        }
    }

    /**
     * The ballast still bounds the guest, but the host cannot reclaim its blocks: the layout cannot be mapped to
     * virtual-disk ranges exactly (LVM, md, btrfs, network filesystem, shared or encoded extents...).
     */
    record Unavailable(String reason) implements ExtentMap {}
}
