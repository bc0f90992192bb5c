package io.ballast.worker.image;

import java.util.List;

/**
 * A disk's partitions and the byte ranges its table itself occupies (the MBR, every EBR of the logical chain, or
 * the GPT headers and entry arrays), which nothing may overwrite.
 */
public record PartitionTable(Scheme scheme, List<Partition> partitions, List<ByteRange> tableRanges) {

    public enum Scheme {
        MBR,
        GPT,
        /** No partition table: the filesystem starts at the first byte. */
        NONE
    }

    public PartitionTable {
        partitions = List.copyOf(partitions);
        tableRanges = List.copyOf(tableRanges);
    }
}
