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

    /** Why a partition whose type fixes its place keeps it (a BIOS boot partition, a nested disklabel). */
    private static final String FIXED_WHY = "boot code or a nested disklabel points at its sectors";

    static final long SECTOR = 512;

    /**
     * Room before a logical partition: its EBR, and a second sector because Linux sees the extended partition as two
     * sectors long and refuses a first logical partition that overlaps them.
     */
    public static final long LOGICAL_GAP_BYTES = 2 * SECTOR;

    /** The cylinder of the geometry every current tool assumes: 255 heads, 63 sectors per track. */
    public static final long CYLINDER_BYTES = 255L * 63 * SECTOR;

    /**
     * A partition as it is: its place, whether it is an MBR logical partition (it needs a sector before it for its
     * EBR), whether its place is fixed (boot code points at its sectors, e.g. a GPT BIOS boot partition: it is never
     * moved or resized), and, when its filesystem is known, the bytes in use and the smallest size it can shrink to.
     */
    public record Current(
            int number,
            ByteRange range,
            boolean logical,
            boolean fixed,
            OptionalLong usedBytes,
            OptionalLong minimumBytes) {}

    /**
     * The disk the partitions are placed on.
     *
     * @param tailBytes what the table keeps at the disk's end, after the last partition (GPT: its backup entry array
     *     and header, as many sectors as the table's own entry count needs; 0 for MBR)
     */
    public record Disk(PartitionTable.Scheme scheme, long diskBytes, long tailBytes) {}

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
     * Nothing is placed below the lowest partition's present start: the bytes between the table and the first
     * partition are not proved free (GRUB's core.img lives after the MBR), so they stay as they are.
     *
     * @throws ImageException.Refused naming the partition when a target is below its filesystem's minimum, a target
     *     names no partition or a fixed one, a do-not-align or fixed partition would be overlapped, or the layout
     *     does not fit the disk
     */
    public static Plan plan(Disk disk, List<Current> partitions, Request request) throws ImageException {
        for (int number : request.targetBytes().keySet()) {
            Current target = partitions.stream()
                    .filter(p -> p.number() == number)
                    .findFirst()
                    .orElseThrow(() -> new ImageException.Refused("there is no partition " + number + " to resize"));
            if (target.fixed()
                    && request.targetBytes().get(number) != target.range().lengthBytes()) {
                throw new ImageException.Refused("partition " + number + " keeps its place and size: " + FIXED_WHY);
            }
        }
        long align = request.alignment().bytes();
        List<Current> ordered = new ArrayList<>(partitions);
        ordered.sort(Comparator.comparingLong(p -> p.range().startBytes()));

        List<Placed> placed = new ArrayList<>();
        long cursor = ordered.isEmpty()
                ? 0
                : ordered.getFirst().range().startBytes() - (ordered.getFirst().logical() ? LOGICAL_GAP_BYTES : 0);
        for (Current partition : ordered) {
            long size = partition.fixed() ? partition.range().lengthBytes() : size(partition, request, align);
            long earliest = cursor + (partition.logical() ? LOGICAL_GAP_BYTES : 0);
            long start;
            if (partition.fixed()
                    || request.doNotAlign().contains(partition.number())
                    || disk.scheme() == PartitionTable.Scheme.NONE) {
                start = partition.range().startBytes();
                if (start < earliest) {
                    throw new ImageException.Refused("partition " + partition.number() + " keeps its start at " + start
                            + (partition.fixed() ? " (" + FIXED_WHY + ")" : " (do not align)")
                            + ", but the partitions before it now end at " + cursor);
                }
            } else {
                start = roundUp(earliest, align);
            }
            ByteRange to = ByteRange.ofLength(start, size);
            placed.add(new Placed(partition.number(), partition.range(), to));
            cursor = to.endBytes();
        }
        long required = cursor + disk.tailBytes();
        if (required > disk.diskBytes()) {
            throw new ImageException.Refused(
                    "the new layout needs " + required + " bytes but the disk has " + disk.diskBytes());
        }
        return new Plan(placed, required);
    }

    private static long size(Current partition, Request request, long align) throws ImageException {
        long current = partition.range().lengthBytes();
        Long target = request.targetBytes().get(partition.number());
        long size;
        if (target != null) {
            if (target <= 0 || target % SECTOR != 0) {
                throw new ImageException.Refused("partition " + partition.number() + ": target size " + target
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
                throw new ImageException.Refused("partition " + partition.number() + ": target " + size
                        + " bytes is below its filesystem's minimum of " + minimum + " bytes");
            }
            size = roundUp(minimum, align);
        }
        if (size < current && partition.minimumBytes().isEmpty()) {
            throw new ImageException.Refused("partition " + partition.number() + " holds a filesystem Ballast cannot"
                    + " shrink; it can move, and keep or grow its size, not shrink");
        }
        return size;
    }

    public static long roundUp(long bytes, long unit) {
        return Math.ceilDiv(bytes, unit) * unit;
    }
}
