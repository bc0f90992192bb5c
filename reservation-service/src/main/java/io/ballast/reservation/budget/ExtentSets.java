package io.ballast.reservation.budget;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Sets of disk byte ranges as sorted lists of disjoint, non-touching extents: union, intersection, difference. */
final class ExtentSets {

    private ExtentSets() {}

    /** {@code extents} sorted, with overlapping and touching ones merged. */
    static List<Extent> normalized(Collection<Extent> extents) {
        List<Extent> sorted = new ArrayList<>(extents);
        sorted.sort(Comparator.comparingLong(Extent::diskOffsetBytes));
        List<Extent> merged = new ArrayList<>();
        for (Extent extent : sorted) {
            if (!merged.isEmpty() && end(merged.getLast()) >= extent.diskOffsetBytes()) {
                Extent last = merged.removeLast();
                long end = Math.max(end(last), end(extent));
                merged.add(new Extent(last.diskOffsetBytes(), end - last.diskOffsetBytes()));
            } else {
                merged.add(extent);
            }
        }
        return List.copyOf(merged);
    }

    static List<Extent> union(Collection<Extent> a, Collection<Extent> b) {
        List<Extent> both = new ArrayList<>(a);
        both.addAll(b);
        return normalized(both);
    }

    static List<Extent> intersection(Collection<Extent> a, Collection<Extent> b) {
        List<Extent> left = normalized(a);
        List<Extent> right = normalized(b);
        List<Extent> common = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < left.size() && j < right.size()) {
            long from = Math.max(left.get(i).diskOffsetBytes(), right.get(j).diskOffsetBytes());
            long to = Math.min(end(left.get(i)), end(right.get(j)));
            if (from < to) {
                common.add(new Extent(from, to - from));
            }
            if (end(left.get(i)) < end(right.get(j))) {
                i++;
            } else {
                j++;
            }
        }
        return List.copyOf(common);
    }

    /** What of {@code a} is not in {@code b}. */
    static List<Extent> difference(Collection<Extent> a, Collection<Extent> b) {
        List<Extent> left = normalized(a);
        List<Extent> right = normalized(b);
        List<Extent> rest = new ArrayList<>();
        int j = 0;
        for (Extent extent : left) {
            long from = extent.diskOffsetBytes();
            long to = end(extent);
            while (j < right.size() && end(right.get(j)) <= from) {
                j++;
            }
            int k = j;
            while (from < to && k < right.size() && right.get(k).diskOffsetBytes() < to) {
                Extent cut = right.get(k);
                if (cut.diskOffsetBytes() > from) {
                    rest.add(new Extent(from, cut.diskOffsetBytes() - from));
                }
                from = Math.max(from, end(cut));
                k++;
            }
            if (from < to) {
                rest.add(new Extent(from, to - from));
            }
        }
        return List.copyOf(rest);
    }

    static long bytes(Collection<Extent> extents) {
        return extents.stream().mapToLong(Extent::lengthBytes).sum();
    }

    private static long end(Extent extent) {
        return extent.diskOffsetBytes() + extent.lengthBytes();
    }
}
