package io.ballast.worker.resize;

import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ByteRanges;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.GptWriter;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.MbrWriter;
import io.ballast.worker.image.PartitionTable;
import io.ballast.worker.image.TableWrite;
import io.ballast.worker.plan.LayoutPlanner;
import io.ballast.worker.resize.ImageInspector.Inspection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns what an image holds and what is asked into the steps of a resize, in the order that keeps every byte:
 * shrink filesystems in place; move partitions (right moves last-first, then left moves first-last, so no move
 * writes over bytes another has yet to read); write the new table (its sectors computed here, from the snapshot);
 * punch what the moves left behind; grow filesystems, re-create swap, fix NTFS boot sectors; punch unused space;
 * truncate. Pure: reads and writes nothing.
 */
public final class ResizePlanner {

    private static final long MIB = 1 << 20;

    private ResizePlanner() {}

    /**
     * @throws ImageException.Refused when the request cannot be carried out on this image (a target below a
     *     filesystem's minimum, a layout that does not fit, a table the writers refuse, truncating a block device)
     */
    public static ResizePlan plan(Inspection inspection, ResizeOptions options) throws ImageException {
        var layout = inspection.layout();
        PartitionTable table = layout.table();
        boolean blockDevice = layout.container() instanceof Container.BlockDevice;
        if (options.truncate() && blockDevice) {
            throw new ImageException.Refused(layout.container().data()
                    + " is a block device; it keeps its size (--truncate is for image files)");
        }
        List<LayoutPlanner.Current> current = inspection.partitions().stream()
                .map(p -> new LayoutPlanner.Current(
                        p.number(),
                        p.partition().range(),
                        p.logical(),
                        p.partition().placeIsFixed(),
                        p.usedBytes(),
                        p.minimumBytes()))
                .toList();
        LayoutPlanner.Plan placed = LayoutPlanner.plan(
                new LayoutPlanner.Disk(table.scheme(), layout.diskBytes(), table.tailBytes()),
                current,
                options.request());
        long finalDiskBytes = options.truncate()
                ? Math.min(layout.diskBytes(), LayoutPlanner.roundUp(placed.requiredDiskBytes(), MIB))
                : layout.diskBytes();
        Map<Integer, PartitionInfo> infos = new LinkedHashMap<>();
        inspection.partitions().forEach(p -> infos.put(p.number(), p));

        List<Step> steps = new ArrayList<>();
        for (LayoutPlanner.Placed p : placed.partitions()) {
            PartitionInfo info = infos.get(p.number());
            if (p.to().lengthBytes() < p.from().lengthBytes() && resizable(info.filesystem())) {
                steps.add(new Step.ShrinkFilesystem(
                        p.number(),
                        info.filesystem(),
                        p.from().startBytes(),
                        p.from().lengthBytes(),
                        p.to().lengthBytes(),
                        info.blockBytes()));
            }
        }
        steps.addAll(moves(placed.partitions(), infos));

        boolean layoutChanges = placed.partitions().stream().anyMatch(p -> p.moves() || p.resized());
        Optional<TableWrite> tableWrite = Optional.empty();
        if (table.scheme() != PartitionTable.Scheme.NONE && (layoutChanges || finalDiskBytes != layout.diskBytes())) {
            Map<Integer, ByteRange> ranges = new LinkedHashMap<>();
            placed.partitions().forEach(p -> ranges.put(p.number(), p.to()));
            TableWrite write = table.scheme() == PartitionTable.Scheme.MBR
                    ? MbrWriter.plan(inspection.snapshot(), finalDiskBytes, ranges)
                    : GptWriter.plan(table, inspection.snapshot(), finalDiskBytes, ranges);
            tableWrite = Optional.of(write);
            steps.add(new Step.WriteTable(finalDiskBytes, write));
            if (!blockDevice) {
                List<ByteRange> vacated = vacated(placed.partitions(), write, finalDiskBytes);
                if (!vacated.isEmpty()) {
                    steps.add(new Step.PunchVacated(vacated));
                }
            }
        }

        for (LayoutPlanner.Placed p : placed.partitions()) {
            PartitionInfo info = infos.get(p.number());
            if (p.to().lengthBytes() > p.from().lengthBytes() && resizable(info.filesystem())) {
                steps.add(new Step.GrowFilesystem(
                        p.number(), info.filesystem(), p.to().startBytes(), p.to().lengthBytes(), info.blockBytes()));
            }
            boolean changes = p.moves() || p.resized();
            if (info.filesystem() == Filesystems.Kind.SWAP && changes) {
                var swap = info.swap().orElseThrow();
                steps.add(new Step.RecreateSwap(
                        p.number(), p.to().startBytes(), p.to().lengthBytes(), swap.uuid(), swap.label()));
            }
            if (info.filesystem() == Filesystems.Kind.NTFS && changes) {
                if (p.to().startBytes() / 512 > 0xFFFFFFFFL) {
                    throw new ImageException.Refused("NTFS partition " + p.number() + " would start at byte "
                            + p.to().startBytes() + ", past what its boot sector can record (2^32 sectors)");
                }
                steps.add(new Step.NtfsBootSector(
                        p.number(),
                        p.to().startBytes(),
                        p.to().lengthBytes(),
                        info.ntfsGeometry().orElseThrow()));
            }
        }
        if (options.sparsify()) {
            steps.add(new Step.PunchUnused());
        }
        if (finalDiskBytes < layout.diskBytes()) {
            steps.add(new Step.Truncate(layout.diskBytes(), finalDiskBytes));
        }
        return new ResizePlan(
                layout.diskBytes(),
                table.scheme(),
                inspection.partitions(),
                placed.partitions(),
                finalDiskBytes,
                steps);
    }

    /** Filesystems Ballast shrinks and grows; the others are moved as they are. */
    private static boolean resizable(Filesystems.Kind kind) {
        return kind == Filesystems.Kind.EXT || kind == Filesystems.Kind.NTFS;
    }

    /**
     * Right moves from the last to the first, then left moves from the first to the last: no move then writes over
     * bytes another move has yet to read. Swap is not moved: it is re-created at its new place.
     */
    private static List<Step.MoveData> moves(List<LayoutPlanner.Placed> placed, Map<Integer, PartitionInfo> infos) {
        List<LayoutPlanner.Placed> moving = placed.stream()
                .filter(LayoutPlanner.Placed::moves)
                .filter(p -> infos.get(p.number()).filesystem() != Filesystems.Kind.SWAP)
                .toList();
        List<LayoutPlanner.Placed> ordered = new ArrayList<>();
        moving.stream()
                .filter(p -> p.to().startBytes() > p.from().startBytes())
                .sorted(Comparator.comparingLong(
                                (LayoutPlanner.Placed p) -> p.from().startBytes())
                        .reversed())
                .forEach(ordered::add);
        moving.stream()
                .filter(p -> p.to().startBytes() < p.from().startBytes())
                .sorted(Comparator.comparingLong(p -> p.from().startBytes()))
                .forEach(ordered::add);
        return ordered.stream()
                .map(p -> new Step.MoveData(
                        p.number(),
                        p.from().startBytes(),
                        p.to().startBytes(),
                        Math.min(p.from().lengthBytes(), p.to().lengthBytes())))
                .toList();
    }

    /**
     * Where partitions were and nothing is once the new table is written: their old ranges, less every new
     * partition, every sector of the new table, all before the first partition (never proved free) and all past the
     * final disk end.
     */
    static List<ByteRange> vacated(List<LayoutPlanner.Placed> placed, TableWrite write, long finalDiskBytes) {
        long firstStart = placed.stream()
                .mapToLong(p -> Math.min(p.from().startBytes(), p.to().startBytes()))
                .min()
                .orElse(0);
        List<ByteRange> old = placed.stream()
                .filter(p -> p.moves() || p.resized())
                .map(LayoutPlanner.Placed::from)
                .toList();
        List<ByteRange> kept = new ArrayList<>();
        placed.forEach(p -> kept.add(p.to()));
        write.sectors().forEach(sector -> kept.add(sector.range()));
        kept.add(new ByteRange(0, firstStart));
        long end = Math.max(
                finalDiskBytes,
                old.stream().mapToLong(ByteRange::endBytes).max().orElse(0));
        if (end > finalDiskBytes) {
            kept.add(new ByteRange(finalDiskBytes, end));
        }
        return ByteRanges.subtract(old, kept);
    }
}
