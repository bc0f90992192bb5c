package io.ballast.worker.resize;

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
 * @param freeRatio from 0 to below 1, or null for none
 * @param alignment {@code 64k}, {@code 1m}, {@code cylinder} or {@code none}
 */
public record ResizeOptions(
        Map<Integer, Long> targetBytes,
        Double freeRatio,
        String alignment,
        Set<Integer> doNotAlign,
        boolean sparsify,
        boolean truncate) {

    public ResizeOptions {
        targetBytes = new TreeMap<>(targetBytes);
        doNotAlign = new TreeSet<>(doNotAlign);
        LayoutPlanner.Alignment.parse(alignment);
    }

    /** The planner's request; throws IllegalArgumentException for a free ratio outside [0, 1). */
    public LayoutPlanner.Request request() {
        return new LayoutPlanner.Request(
                targetBytes,
                freeRatio == null ? OptionalDouble.empty() : OptionalDouble.of(freeRatio),
                LayoutPlanner.Alignment.parse(alignment),
                doNotAlign);
    }

    /** As given on the command line, for messages. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        targetBytes.forEach((number, bytes) ->
                text.append(" --partition ").append(number).append('=').append(bytes));
        if (freeRatio != null) {
            text.append(" --free-ratio ").append(freeRatio);
        }
        text.append(" --align ").append(alignment);
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
