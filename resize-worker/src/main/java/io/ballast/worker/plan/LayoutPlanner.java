package io.ballast.worker.plan;

import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.PartitionTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Plans where each partition goes when an image is right-sized: partitions keep their order and are packed towards
 * the start of the disk, each starting on the alignment boundary (the first one included) unless it is on the
 * do-not-align list, which keeps its start exactly where it is. A partition gets its explicit target size, or the
 * size that leaves the profile's free ratio over its used bytes, never less than its filesystem's minimum; anything
 * else keeps its size. Pure planning: nothing is read or written.
 */
public final class LayoutPlanner {

    static final long SECTOR = 512;
    /** GPT keeps 34 sectors at the start (protective MBR, header, 128 entries) and 33 at the end (backup). */
    static final long GPT_HEAD_BYTES = 34 * SECTOR;

    static final long GPT_TAIL_BYTES = 33 * SECTOR;
    /**
     * Room before a logical partition: its EBR, and a second sector because Linux sees the extended partition as two
     * sectors long and refuses a first logical partition that overlaps them.
     */
    public static final long LOGICAL_GAP_BYTES = 2 * SECTOR;

    /** The cylinder of the geometry every current tool assumes: 255 heads, 63 sectors per track. */
    public static final long CYLINDER_BYTES = 255L * 63 * SECTOR;

    /** Where partitions start: on multiples of this many bytes. */
    public enum Alignment {
        NONE(SECTOR),
        KIB_64(64L << 10),
        MIB_1(1L << 20),
        CYLINDER(CYLINDER_BYTES);

        private final long bytes;

        Alignment(long bytes) {
            this.bytes = bytes;
        }

        public long bytes() {
            return bytes;
        }

        /** {@code 64k}, {@code 1m}, {@code cylinder} or {@code none}. */
        public static Alignment parse(String text) {
            return switch (text) {
                case "none" -> NONE;
                case "64k" -> KIB_64;
                case "1m" -> MIB_1;
                case "cylinder" -> CYLINDER;
                default ->
                    throw new IllegalArgumentException(
                            "alignment '" + text + "' is not one of 64k, 1m, cylinder, none");
            };
        }
    }

    /**
     * A partition as it is: its place, whether it is an MBR logical partition (it needs a sector before it for its
     * EBR), and, when its filesystem is known, the bytes in use and the smallest size it can shrink to.
     */
    public record Current(
            int number, ByteRange range, boolean logical, OptionalLong usedBytes, OptionalLong minimumBytes) {}

    /** What is asked: explicit sizes by partition number, a free ratio for the rest, alignment, do-not-align. */
    public record Request(
            Map<Integer, Long> targetBytes, OptionalDouble freeRatio, Alignment alignment, Set<Integer> doNotAlign) {

        public Request {
            targetBytes = Map.copyOf(targetBytes);
            doNotAlign = Set.copyOf(doNotAlign);
            if (freeRatio.isPresent() && !(freeRatio.getAsDouble() >= 0 && freeRatio.getAsDouble() < 1)) {
                throw new IllegalArgumentException(
                        "free ratio must be from 0 to below 1, not " + freeRatio.getAsDouble());
            }
        }
    }

    /** Where one partition goes. */
    public record Placed(int number, ByteRange from, ByteRange to) {
        public boolean moves() {
            return from.startBytes() != to.startBytes();
        }

        public boolean resized() {
            return from.lengthBytes() != to.lengthBytes();
        }
    }

    /** The new layout, and the smallest disk that holds it (GPT's backup area included). */
    public record Plan(List<Placed> partitions, long requiredDiskBytes) {}

    private LayoutPlanner() {}

    /**
     * @throws ImageException naming the partition when a target is below its filesystem's minimum, a target names
     *     no partition, a do-not-align partition would be overlapped, or the layout does not fit the disk
     */
    public static Plan plan(PartitionTable.Scheme scheme, long diskBytes, List<Current> partitions, Request request)
            throws ImageException {
        for (int number : request.targetBytes().keySet()) {
            if (partitions.stream().noneMatch(p -> p.number() == number)) {
                throw new ImageException("there is no partition " + number + " to resize");
            }
        }
        long align = request.alignment().bytes();
        long firstUsable = scheme == PartitionTable.Scheme.GPT ? GPT_HEAD_BYTES : SECTOR;
        long tail = scheme == PartitionTable.Scheme.GPT ? GPT_TAIL_BYTES : 0;
        List<Current> ordered = new ArrayList<>(partitions);
        ordered.sort(Comparator.comparingLong(p -> p.range().startBytes()));

        List<Placed> placed = new ArrayList<>();
        long cursor = scheme == PartitionTable.Scheme.NONE ? 0 : firstUsable;
        for (Current partition : ordered) {
            long size = size(partition, request, align);
            long earliest = cursor + (partition.logical() ? LOGICAL_GAP_BYTES : 0);
            long start;
            if (request.doNotAlign().contains(partition.number()) || scheme == PartitionTable.Scheme.NONE) {
                start = partition.range().startBytes();
                if (start < earliest) {
                    throw new ImageException("partition " + partition.number() + " keeps its start at " + start
                            + " (do not align), but the partitions before it now end at " + cursor);
                }
            } else {
                start = roundUp(earliest, align);
            }
            ByteRange to = ByteRange.ofLength(start, size);
            placed.add(new Placed(partition.number(), partition.range(), to));
            cursor = to.endBytes();
        }
        long required = cursor + tail;
        if (required > diskBytes) {
            throw new ImageException("the new layout needs " + required + " bytes but the disk has " + diskBytes);
        }
        return new Plan(placed, required);
    }

    private static long size(Current partition, Request request, long align) throws ImageException {
        long current = partition.range().lengthBytes();
        Long target = request.targetBytes().get(partition.number());
        long size;
        if (target != null) {
            if (target <= 0 || target % SECTOR != 0) {
                throw new ImageException("partition " + partition.number() + ": target size " + target
                        + " is not a positive whole number of sectors");
            }
            size = target;
        } else if (request.freeRatio().isPresent() && partition.usedBytes().isPresent()) {
            double ratio = request.freeRatio().getAsDouble();
            size = roundUp((long) Math.ceil(partition.usedBytes().getAsLong() / (1 - ratio)), align);
        } else {
            return current;
        }
        long minimum = partition.minimumBytes().orElse(0);
        if (size < minimum) {
            if (target != null) {
                throw new ImageException("partition " + partition.number() + ": target " + size
                        + " bytes is below its filesystem's minimum of " + minimum + " bytes");
            }
            size = roundUp(minimum, align);
        }
        if (size < current && partition.minimumBytes().isEmpty()) {
            throw new ImageException("partition " + partition.number() + " holds a filesystem Ballast cannot"
                    + " shrink; it can move, and keep or grow its size, not shrink");
        }
        return size;
    }

    public static long roundUp(long bytes, long unit) {
        return Math.ceilDiv(bytes, unit) * unit;
    }
}
