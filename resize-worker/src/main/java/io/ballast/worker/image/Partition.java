package io.ballast.worker.image;

import java.util.Locale;
import java.util.Set;

/**
 * A partition as its table describes it.
 *
 * @param number as the table numbers it: 1 to 4 for MBR primaries, 5 on for logical partitions, 1 on for GPT
 * @param type MBR type byte as two hex digits (e.g. {@code 83}), or the GPT type GUID in lower case
 */
public record Partition(int number, ByteRange range, String type) {

    /** GPT BIOS boot partition (EF02): GRUB's boot.img holds the LBA of the core.img written into it. */
    public static final String GPT_BIOS_BOOT = "21686148-6449-6e6f-744e-656564454649";

    /**
     * Types whose place on the disk something else records in absolute sectors, so such a partition is never moved
     * or resized: the GPT BIOS boot partition (GRUB's boot.img holds the LBA of the core.img in it), and the MBR types
     * that hold a nested disklabel with absolute sector numbers (FreeBSD a5, OpenBSD a6, NetBSD a9, Minix 81,
     * UnixWare 63), whose slices would point at the old sectors after a move; and Windows dynamic disks (LDM: MBR
     * type 42, GPT LDM metadata and data partitions), whose database records its volumes' absolute sectors.
     */
    private static final Set<String> FIXED_TYPES = Set.of(
            GPT_BIOS_BOOT,
            "a5",
            "a6",
            "a9",
            "81",
            "63",
            "42",
            "5808c8aa-7e8f-42e0-85d2-e1e90434cfb3",
            "af9b60a0-1431-4f62-bc68-3311714a69ad");

    /** Whether boot code or a nested disklabel points at this partition's sectors, so it must keep its place and size. */
    public boolean placeIsFixed() {
        return FIXED_TYPES.contains(type.toLowerCase(Locale.ROOT));
    }
}
