package io.ballast.worker.resize;

import io.ballast.cli.ByteSize;
import io.ballast.worker.filesystem.Filesystems;
import io.ballast.worker.filesystem.NtfsBootSector.NtfsGeometry;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.TableWrite;
import java.util.List;

/**
 * One step of a resize, as its journal records it. Steps run in order; each is either repeatable as it stands or
 * knows how to finish or undo a run of itself that was interrupted.
 */
public sealed interface Step {

    /** A stable name of the kind of step, for journals, progress events and job records. */
    String kind();

    /** A line for progress output. */
    String describe();

    /**
     * Shrinks the filesystem of a partition, in its current place, from {@code fromBytes} to {@code toBytes}.
     * {@code blockBytes} is the ext block size (0 for others): it decides how an interrupted run is undone.
     */
    record ShrinkFilesystem(
            int partition, Filesystems.Kind filesystem, long startBytes, long fromBytes, long toBytes, long blockBytes)
            implements Step {
        @Override
        public String kind() {
            return "shrink-filesystem";
        }

        @Override
        public String describe() {
            return "shrink the " + filesystem.label() + " filesystem of partition " + partition + " from "
                    + ByteSize.human(fromBytes) + " to " + ByteSize.human(toBytes);
        }
    }

    /** Moves a partition's bytes with the journaled extent mover. */
    record MoveData(int partition, long sourceBytes, long destinationBytes, long lengthBytes) implements Step {
        @Override
        public String kind() {
            return "move";
        }

        @Override
        public String describe() {
            return "move partition " + partition + " (" + ByteSize.human(lengthBytes) + ") from byte " + sourceBytes
                    + " to " + destinationBytes;
        }
    }

    /**
     * Writes the partition table for the new layout and the final disk size: the sectors computed when the resize
     * was planned, so an interrupted write is finished by writing them again.
     */
    record WriteTable(long diskBytes, TableWrite write) implements Step {
        @Override
        public String kind() {
            return "write-table";
        }

        @Override
        public String describe() {
            return "write the partition table for the new layout";
        }
    }

    /**
     * Punches out where moved partitions were and no partition or table now is: once the new table is durable, those
     * bytes belong to nothing, and left allocated they would make a resize grow the image.
     */
    record PunchVacated(List<ByteRange> ranges) implements Step {
        public PunchVacated {
            ranges = List.copyOf(ranges);
        }

        @Override
        public String kind() {
            return "punch-vacated";
        }

        @Override
        public String describe() {
            return "punch out what the moved partitions left behind ("
                    + ByteSize.human(
                            ranges.stream().mapToLong(ByteRange::lengthBytes).sum()) + ")";
        }
    }

    /** Grows the filesystem of a partition, in its new place, to fill it; {@code blockBytes} as for a shrink. */
    record GrowFilesystem(int partition, Filesystems.Kind filesystem, long startBytes, long toBytes, long blockBytes)
            implements Step {
        @Override
        public String kind() {
            return "grow-filesystem";
        }

        @Override
        public String describe() {
            return "grow the " + filesystem.label() + " filesystem of partition " + partition + " to "
                    + ByteSize.human(toBytes);
        }
    }

    /** Writes a swap header at a swap partition's new place and size, with its old UUID and label. */
    record RecreateSwap(int partition, long startBytes, long bytes, String uuid, String label) implements Step {
        @Override
        public String kind() {
            return "recreate-swap";
        }

        @Override
        public String describe() {
            return "re-create swap partition " + partition + " (" + ByteSize.human(bytes) + ", UUID " + uuid + ")";
        }
    }

    /**
     * Points an NTFS partition's boot sector at its new start and restores the geometry ntfsresize clears on a loop
     * device (Windows boots from these), and writes the same sector as the backup in the partition's last sector,
     * where NTFS looks for it.
     */
    record NtfsBootSector(int partition, long startBytes, long lengthBytes, NtfsGeometry geometry) implements Step {
        @Override
        public String kind() {
            return "ntfs-boot-sector";
        }

        @Override
        public String describe() {
            return "point the NTFS boot sectors of partition " + partition + " at its new place";
        }
    }

    /**
     * Punches out every byte no partition uses between and after the partitions: gaps, free ext blocks, swap
     * contents. What lies before the first partition stays (boot code may live there).
     */
    record PunchUnused() implements Step {
        @Override
        public String kind() {
            return "punch-unused";
        }

        @Override
        public String describe() {
            return "punch out unused space";
        }
    }

    /** Cuts the image to the final disk size. */
    record Truncate(long fromBytes, long toBytes) implements Step {
        @Override
        public String kind() {
            return "truncate";
        }

        @Override
        public String describe() {
            return "truncate the image from " + ByteSize.human(fromBytes) + " to " + ByteSize.human(toBytes);
        }
    }
}
