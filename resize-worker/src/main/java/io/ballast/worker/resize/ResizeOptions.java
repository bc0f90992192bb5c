package io.ballast.worker.resize;

import io.ballast.worker.plan.Alignment;
import io.ballast.worker.plan.LayoutPlanner;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a resize is asked to do: target sizes by partition number, a free ratio for the others, the alignment and
 * the partitions that keep their start, whether to punch unused space and whether to cut the image to its new end.
 *
 * @param targetBytes new sizes by partition number
 * @param freeRatio the share the filesystems without a target keep free, from 0 to below 1
 * @throws IllegalArgumentException for a free ratio outside [0, 1) or a target that is not a positive size
 */
public record ResizeOptions(
        Map<Integer, Long> targetBytes,
        OptionalDouble freeRatio,
        Alignment alignment,
        Set<Integer> doNotAlign,
        boolean sparsify,
        boolean truncate) {

    public ResizeOptions {
        targetBytes = new TreeMap<>(targetBytes);
        doNotAlign = new TreeSet<>(doNotAlign);
        if (alignment == null) {
            throw new IllegalArgumentException("an alignment is required");
        }
        targetBytes.forEach((number, bytes) -> {
            if (number < 1 || bytes <= 0) {
                throw new IllegalArgumentException(
                        "target for partition " + number + " of " + bytes + " bytes is not a partition and a size");
            }
        });
        request(targetBytes, freeRatio, alignment, doNotAlign);
    }

    /** The planner's request. */
    public LayoutPlanner.Request request() {
        return request(targetBytes, freeRatio, alignment, doNotAlign);
    }

    private static LayoutPlanner.Request request(
            Map<Integer, Long> targetBytes, OptionalDouble freeRatio, Alignment alignment, Set<Integer> doNotAlign) {
        return new LayoutPlanner.Request(targetBytes, freeRatio, alignment, doNotAlign);
    }

    /** As {@code ./ballast image resize} takes them, for messages and the command that continues a resize. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        targetBytes.forEach((number, bytes) ->
                text.append(" --partition ").append(number).append('=').append(bytes));
        freeRatio.ifPresent(ratio -> text.append(" --free-ratio ").append(ratio));
        text.append(" --align ").append(alignment.text());
        doNotAlign.forEach(number -> text.append(" --no-align ").append(number));
        if (sparsify) {
            text.append(" --sparsify");
        }
        if (truncate) {
            text.append(" --truncate");
        }
        return text.toString().strip();
    }
}
