package io.ballast.bench;

import io.ballast.cli.DurationConverter;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --duration} and {@code --warmup}: how long a benchmark that drives a load measures it, and how long it drives
 * the same load before, not counted, while the JITs of the programs under load warm up (about a minute on two cores
 * that the programs share). A picocli mixin; each benchmark gives its own defaults:
 *
 * <pre>{@code
 * @Mixin
 * LoadTimes times = new LoadTimes(Duration.ofSeconds(30), Duration.ofSeconds(60));
 * }</pre>
 */
public final class LoadTimes {

    // No defaultValue: picocli takes the fields' values when the mixin is built, which are the benchmark's defaults.
    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Measured time (e.g. 30s, 2m).")
    private Duration duration;

    @Option(
            names = "--warmup",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Load before measuring, not counted, while the JITs warm up (about a minute on two shared"
                    + " cores; 0s for none).")
    private Duration warmup;

    /** {@code duration} and {@code warmup} unless the command line says otherwise. */
    public LoadTimes(Duration duration, Duration warmup) {
        this.duration = duration;
        this.warmup = warmup;
    }

    /** The measured time. */
    public Duration duration() {
        return duration;
    }

    /** The time before it. */
    public Duration warmup() {
        return warmup;
    }
}
