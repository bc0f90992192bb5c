package io.ballast.worker.image;

import java.util.List;

/**
 * A disk's partitions and the byte ranges its table itself occupies (the MBR, every EBR of the logical chain, or
 * the GPT headers and entry arrays), which nothing may overwrite.
 *
 * @param tailBytes what the table keeps at the disk's end: a GPT's backup entry array and header, as long as its own
 *     entry count makes them (33 sectors for the usual 128 entries, 65 for 256); 0 for MBR and no table
 */
public record PartitionTable(Scheme scheme, List<Partition> partitions, List<ByteRange> tableRanges, long tailBytes) {

    public enum Scheme {
        MBR,
        GPT,
        /** No partition table: the filesystem starts at the first byte. */
        NONE
    }

    public PartitionTable {
        partitions = List.copyOf(partitions);
        tableRanges = List.copyOf(tableRanges);
        if (tailBytes < 0) {
            throw new IllegalArgumentException("table tail of " + tailBytes + " bytes");
        }
    }
}
