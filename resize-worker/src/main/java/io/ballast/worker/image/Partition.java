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

    /** Types whose place on the disk boot code depends on: such a partition is never moved or resized. */
    private static final Set<String> FIXED_TYPES = Set.of(GPT_BIOS_BOOT);

    /** Whether boot code points at this partition's sectors, so it must keep its place and size. */
    public boolean placeIsFixed() {
        return FIXED_TYPES.contains(type.toLowerCase(Locale.ROOT));
    }
}
