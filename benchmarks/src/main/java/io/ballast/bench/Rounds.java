package io.ballast.bench;

import picocli.CommandLine.Option;

/**
 * {@code --runs N}: how many rounds a benchmark measures, each running Ballast and its reference (where it has one)
 * once. A picocli mixin; each benchmark gives its own default and upper bound:
 *
 * <pre>{@code
 * @Mixin
 * Rounds rounds = new Rounds(5, 1000);
 * }</pre>
 */
public final class Rounds {

    private final int most;

    // No defaultValue: picocli takes the field's value when the mixin is built, which is the benchmark's default.
    @Option(
            names = "--runs",
            paramLabel = "N",
            description = "Rounds, each running Ballast, and its reference where the benchmark has one, once"
                    + " (default: ${DEFAULT-VALUE}).")
    private int count;

    /** {@code byDefault} rounds unless {@code --runs} says otherwise, which may be 1 to {@code most}. */
    public Rounds(int byDefault, int most) {
        if (byDefault < 1 || byDefault > most) {
            throw new IllegalArgumentException("a default of " + byDefault + " rounds is outside 1 to " + most);
        }
        this.count = byDefault;
        this.most = most;
    }

    /**
     * The number of rounds.
     *
     * @throws IllegalArgumentException naming the option when it is outside 1 to the benchmark's upper bound
     */
    public int count() {
        if (count < 1 || count > most) {
            throw new IllegalArgumentException("--runs must be 1 to " + most + ", not " + count);
        }
        return count;
    }
}
