package io.ballast.inventory.profile;

import java.util.Arrays;
import java.util.Optional;

/** The boundary a resize aligns moved partitions to, as profiles and jobs spell it. */
public enum Alignment {
    NONE("none"),
    KIB_64("64KiB"),
    MIB_1("1MiB"),
    CYLINDER("cylinder");

    private final String spelling;

    Alignment(String spelling) {
        this.spelling = spelling;
    }

    /** How the REST interface spells it: {@code none}, {@code 64KiB}, {@code 1MiB}, {@code cylinder}. */
    public String spelling() {
        return spelling;
    }

    public static Optional<Alignment> of(String spelling) {
        return Arrays.stream(values()).filter(a -> a.spelling.equals(spelling)).findFirst();
    }
}
