package io.ballast.worker.image;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Sets of byte ranges: merged, and with other ranges taken out. */
public final class ByteRanges {

    private ByteRanges() {}

    /** The ranges sorted, with overlapping and touching ones merged; empty ranges dropped. */
    public static List<ByteRange> merge(List<ByteRange> ranges) {
        List<ByteRange> sorted = new ArrayList<>(
                ranges.stream().filter(range -> range.lengthBytes() > 0).toList());
        sorted.sort(Comparator.comparingLong(ByteRange::startBytes));
        List<ByteRange> merged = new ArrayList<>();
        for (ByteRange range : sorted) {
            if (!merged.isEmpty() && merged.getLast().endBytes() >= range.startBytes()) {
                ByteRange last = merged.removeLast();
                merged.add(new ByteRange(last.startBytes(), Math.max(last.endBytes(), range.endBytes())));
            } else {
                merged.add(range);
            }
        }
        return merged;
    }

    /** What of {@code ranges} lies outside every one of {@code cut}, merged and sorted. */
    public static List<ByteRange> subtract(List<ByteRange> ranges, List<ByteRange> cut) {
        List<ByteRange> remaining = merge(ranges);
        for (ByteRange hole : merge(cut)) {
            List<ByteRange> next = new ArrayList<>();
            for (ByteRange range : remaining) {
                if (!range.overlaps(hole)) {
                    next.add(range);
                    continue;
                }
                if (range.startBytes() < hole.startBytes()) {
                    next.add(new ByteRange(range.startBytes(), hole.startBytes()));
                }
                if (hole.endBytes() < range.endBytes()) {
                    next.add(new ByteRange(hole.endBytes(), range.endBytes()));
                }
            }
            remaining = next;
        }
        return remaining;
    }

    /** The sum of the ranges' lengths. */
    public static long totalBytes(List<ByteRange> ranges) {
        return ranges.stream().mapToLong(ByteRange::lengthBytes).sum();
    }
}
