package io.ballast.linux;

import java.util.ArrayList;
import java.util.List;

/** The {@code FIEMAP_EXTENT_*} flags of an extent. */
public final class FiemapFlags {

    public static final int LAST = 0x1;
    public static final int UNKNOWN = 0x2;
    public static final int DELALLOC = 0x4;
    public static final int ENCODED = 0x8;
    public static final int DATA_ENCRYPTED = 0x80;
    public static final int NOT_ALIGNED = 0x100;
    public static final int DATA_INLINE = 0x200;
    public static final int DATA_TAIL = 0x400;
    public static final int UNWRITTEN = 0x800;
    public static final int MERGED = 0x1000;
    public static final int SHARED = 0x2000;

    /**
     * Flags under which an extent's physical offset is not exactly the place of its bytes on the device, or the
     * bytes are not the file's alone: such an extent must never be reported as a range to reclaim.
     */
    public static final int NOT_EXACT =
            UNKNOWN | DELALLOC | ENCODED | DATA_ENCRYPTED | NOT_ALIGNED | DATA_INLINE | DATA_TAIL | SHARED;

    private FiemapFlags() {}

    /** Names of the flags set, for messages, e.g. {@code [SHARED, LAST]}. */
    public static List<String> names(int flags) {
        List<String> names = new ArrayList<>();
        String[] all = {
            "LAST",
            "UNKNOWN",
            "DELALLOC",
            "ENCODED",
            null,
            null,
            null,
            "DATA_ENCRYPTED",
            "NOT_ALIGNED",
            "DATA_INLINE",
            "DATA_TAIL",
            "UNWRITTEN",
            "MERGED",
            "SHARED"
        };
        for (int bit = 0; bit < all.length; bit++) {
            if ((flags & (1 << bit)) != 0) {
                names.add(all[bit] != null ? all[bit] : "0x" + Integer.toHexString(1 << bit));
            }
        }
        return names;
    }
}
