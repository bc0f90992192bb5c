package io.ballast.inventory.job;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A disk's layout as the latest scan read it.
 *
 * @param table {@code MBR}, {@code GPT} or {@code NONE}
 * @param alignmentStatus as virt-alignment-scan exits: 0 every partition on 64 KiB or better, 2 some below, 3 some
 *     below 4 KiB
 */
public record Layout(
        String diskId,
        String table,
        long diskBytes,
        int alignmentStatus,
        List<Partition> partitions,
        Instant scannedAt) {

    public Layout {
        partitions = List.copyOf(partitions);
    }

    /**
     * A partition.
     *
     * @param type the table's type of it (an MBR type byte, a GPT type GUID)
     * @param filesystem {@code ext2/3/4}, {@code ntfs}, {@code xfs}, {@code swap} or {@code unknown}
     * @param usedBytes what its filesystem uses; empty when it cannot say
     * @param minimumBytes the smallest its filesystem can be shrunk to; empty when it cannot be shrunk
     * @param alignmentBytes the largest power-of-two boundary its start lies on (capped at 1 MiB)
     */
    public record Partition(
            int number,
            long startBytes,
            long sizeBytes,
            String type,
            String filesystem,
            OptionalLong usedBytes,
            OptionalLong minimumBytes,
            long alignmentBytes) {}

    public Optional<Partition> partition(int number) {
        return partitions.stream().filter(p -> p.number() == number).findFirst();
    }
}
