package io.ballast.worker.resize;

import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.plan.LayoutPlanner;
import java.util.List;
import java.util.Optional;

/**
 * What a resize does: the disk as it was, where each partition goes, and the steps. The same whether it was just
 * planned or read back from the journal of an interrupted resize.
 *
 * @param diskBytes the disk's size before the resize
 * @param finalDiskBytes its size after (smaller only with truncation)
 */
public record ResizePlan(
        long diskBytes,
        PartitionTable.Scheme scheme,
        List<PartitionInfo> partitions,
        List<LayoutPlanner.Placed> layout,
        long finalDiskBytes,
        List<Step> steps) {

    public ResizePlan {
        partitions = List.copyOf(partitions);
        layout = List.copyOf(layout);
        steps = List.copyOf(steps);
    }

    /** What the resize knew of partition {@code number} before it began. */
    public Optional<PartitionInfo> partition(int number) {
        return partitions.stream().filter(p -> p.number() == number).findFirst();
    }
}
