package io.ballast.worker.plan;

import java.util.Arrays;

/** Where partitions start when a resize places them: on multiples of {@link #bytes()}. */
public enum Alignment {
    NONE("none", LayoutPlanner.SECTOR),
    KIB_64("64k", 64L << 10),
    MIB_1("1m", 1L << 20),
    CYLINDER("cylinder", LayoutPlanner.CYLINDER_BYTES);

    private final String text;
    private final long bytes;

    Alignment(String text, long bytes) {
        this.text = text;
        this.bytes = bytes;
    }

    public long bytes() {
        return bytes;
    }

    /** As the command line writes it: {@code 64k}, {@code 1m}, {@code cylinder} or {@code none}. */
    public String text() {
        return text;
    }

    /**
     * {@code 64k}, {@code 1m}, {@code cylinder} or {@code none}.
     *
     * @throws IllegalArgumentException naming the text for anything else
     */
    public static Alignment parse(String text) {
        return Arrays.stream(values())
                .filter(alignment -> alignment.text.equals(text))
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("alignment '" + text + "' is not one of 64k, 1m, cylinder, none"));
    }

    @Override
    public String toString() {
        return text;
    }
}
