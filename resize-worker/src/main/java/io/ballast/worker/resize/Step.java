package io.ballast.worker.resize;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.ballast.cli.ByteSize;
import io.ballast.worker.filesystem.Filesystems;

/**
 * One step of a resize, as its journal records it. Steps run in order; each is either repeatable as it stands or
 * knows how to finish or undo a run of itself that was interrupted.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "step")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Step.ShrinkFilesystem.class, name = "shrink-filesystem"),
    @JsonSubTypes.Type(value = Step.MoveData.class, name = "move"),
    @JsonSubTypes.Type(value = Step.WriteTable.class, name = "write-table"),
    @JsonSubTypes.Type(value = Step.GrowFilesystem.class, name = "grow-filesystem"),
    @JsonSubTypes.Type(value = Step.RecreateSwap.class, name = "recreate-swap"),
    @JsonSubTypes.Type(value = Step.NtfsBootSector.class, name = "ntfs-boot-sector"),
    @JsonSubTypes.Type(value = Step.PunchUnused.class, name = "punch-unused"),
    @JsonSubTypes.Type(value = Step.Truncate.class, name = "truncate")
})
public sealed interface Step {

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
        public String describe() {
            return "shrink the " + filesystem.label() + " filesystem of partition " + partition + " from "
                    + ByteSize.human(fromBytes) + " to " + ByteSize.human(toBytes);
        }
    }

    /** Moves a partition's bytes with the journaled extent mover. */
    record MoveData(int partition, long sourceBytes, long destinationBytes, long lengthBytes) implements Step {
        @Override
        public String describe() {
            return "move partition " + partition + " (" + ByteSize.human(lengthBytes) + ") from byte " + sourceBytes
                    + " to " + destinationBytes;
        }
    }

    /** Writes the partition table for the new layout and the final disk size. */
    record WriteTable(long diskBytes) implements Step {
        @Override
        public String describe() {
            return "write the partition table for the new layout";
        }
    }

    /** Grows the filesystem of a partition, in its new place, to fill it; {@code blockBytes} as for a shrink. */
    record GrowFilesystem(int partition, Filesystems.Kind filesystem, long startBytes, long toBytes, long blockBytes)
            implements Step {
        @Override
        public String describe() {
            return "grow the " + filesystem.label() + " filesystem of partition " + partition + " to "
                    + ByteSize.human(toBytes);
        }
    }

    /** Writes a swap header at a swap partition's new place and size, with its old UUID and label. */
    record RecreateSwap(int partition, long startBytes, long bytes, String uuid, String label) implements Step {
        @Override
        public String describe() {
            return "re-create swap partition " + partition + " (" + ByteSize.human(bytes) + ", UUID " + uuid + ")";
        }
    }

    /**
     * Sets an NTFS boot sector's (and its backup's) hidden-sectors field to the partition's new start, and restores
     * the geometry fields ntfsresize clears on a loop device: Windows boots from these.
     */
    record NtfsBootSector(int partition, long startBytes, int heads, int sectorsPerTrack) implements Step {
        @Override
        public String describe() {
            return "point the NTFS boot sector of partition " + partition + " at its new start";
        }
    }

    /** Punches out every byte no partition uses: gaps, free ext blocks, swap contents. */
    record PunchUnused() implements Step {
        @Override
        public String describe() {
            return "punch out unused space";
        }
    }

    /** Cuts the image to the final disk size. */
    record Truncate(long fromBytes, long toBytes) implements Step {
        @Override
        public String describe() {
            return "truncate the image from " + ByteSize.human(fromBytes) + " to " + ByteSize.human(toBytes);
        }
    }
}
