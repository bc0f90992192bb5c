package io.ballast.bench;

import io.ballast.cli.ExitCode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One benchmark of {@code ./ballast bench}: what every benchmark's command line has ({@code --help}, {@code
 * --version}, {@code --json}) and how its report is printed, declared once. A subclass names itself with its own
 * {@code @Command(name, description)}, adds {@link Rounds} as a {@code @Mixin} when it pairs rounds, measures in
 * {@link #measure()} and says how it gets on through {@link #progress()}.
 */
@Command(mixinStandardHelpOptions = true)
public abstract class Benchmark implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object of the figures.")
    private boolean json;

    /**
     * Runs the benchmark and returns its figures.
     *
     * @throws IllegalArgumentException when an option's value is out of range (exit 2: nothing was measured)
     */
    protected abstract Report measure() throws Exception;

    /** Measures and prints the report on standard output: its text, or one line of JSON with {@code --json}. */
    @Override
    public final Integer call() throws Exception {
        Reports.print(spec.commandLine().getOut(), measure(), json);
        return ExitCode.DONE;
    }

    /** Standard error: where a benchmark says what it starts and how each round went, apart from the report. */
    protected final PrintWriter progress() {
        return spec.commandLine().getErr();
    }
}
