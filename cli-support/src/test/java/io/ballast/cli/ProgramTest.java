package io.ballast.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class ProgramTest {

    /** Thrown by the test program's domain to say nothing changed. */
    static final class NothingChanged extends Exception {
        NothingChanged(String message) {
            super(message);
        }
    }

    @Command(
            name = "ballast probe",
            subcommands = {Probe.Strict.class})
    static final class Probe implements Callable<Integer> {

        @Option(names = "--size", converter = ByteSizeConverter.class)
        long sizeBytes;

        @Option(names = "--wait", converter = DurationConverter.class, defaultValue = "1s")
        Duration wait;

        @Option(names = "--outcome", defaultValue = "done")
        String outcome;

        @Override
        public Integer call() throws Exception {
            return switch (outcome) {
                case "done" -> ExitCode.DONE;
                case "refusal" -> throw new Refusal("--size " + sizeBytes + " is too large");
                case "argument" -> throw new IllegalArgumentException("bad\n  input");
                case "domain" -> throw new NothingChanged("the image is in use");
                case "io" -> throw new IOException("disk gone");
                default -> throw new IllegalStateException();
            };
        }

        /** A subcommand whose usage errors are failures, like {@code image scan}'s. */
        @Command(name = "strict", exitCodeOnInvalidInput = ExitCode.FAILED)
        static final class Strict implements Runnable {
            @Option(names = "--count")
            int count;

            @Override
            public void run() {}
        }
    }

    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        Program program = Program.of(new Probe()).refusing(NothingChanged.class);
        program.commandLine().setErr(new PrintWriter(err, true));
        return program.execute(args);
    }

    @Test
    void aCommandThatFinishesExitsWithItsCode() {
        assertThat(run("--size", "64M")).isEqualTo(ExitCode.DONE);
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aBadCommandLineIsRefusedInOneLineNamingTheProgram() {
        assertThat(run("--size", "lots")).isEqualTo(ExitCode.REFUSED);
        assertThat(err.toString())
                .isEqualTo("ballast probe: Invalid value for option '--size': size 'lots' is not a whole number of"
                        + " bytes with an optional K, M, G or T (binary) suffix" + System.lineSeparator());
    }

    @Test
    void aSubcommandMaySayItsUsageErrorsAreFailures() {
        assertThat(run("strict", "--count", "x")).isEqualTo(ExitCode.FAILED);
        assertThat(err.toString()).startsWith("ballast probe: Invalid value for option '--count'");
    }

    @Test
    void refusalsAndBadArgumentsExitTwo() {
        assertThat(run("--size", "1G", "--outcome", "refusal")).isEqualTo(ExitCode.REFUSED);
        assertThat(run("--outcome", "argument")).isEqualTo(ExitCode.REFUSED);
        assertThat(err.toString().lines())
                .containsExactly("ballast probe: --size 1073741824 is too large", "ballast probe: bad; input");
    }

    @Test
    void aDomainTypeNamedAsRefusalExitsTwoAndAnythingElseOne() {
        assertThat(run("--outcome", "domain")).isEqualTo(ExitCode.REFUSED);
        assertThat(run("--outcome", "io")).isEqualTo(ExitCode.FAILED);
        assertThat(run("--outcome", "other")).isEqualTo(ExitCode.FAILED);
        assertThat(err.toString().lines())
                .containsExactly(
                        "ballast probe: the image is in use",
                        "ballast probe: disk gone",
                        "ballast probe: IllegalStateException");
    }

    @Test
    void durationsTakeMillisecondsSecondsMinutesAndHours() {
        DurationConverter converter = new DurationConverter();
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(converter.convert("1h")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> converter.convert("30"))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessage("'30' is not a duration like 500ms, 30s, 2m or 1h");
        assertThatThrownBy(() -> converter.convert("-1s")).isInstanceOf(CommandLine.TypeConversionException.class);
    }

    @Test
    void sizesAreReadAsByteSizeReadsThem() {
        assertThat(new ByteSizeConverter().convert("10G")).isEqualTo(10L << 30);
        assertThatThrownBy(() -> new ByteSizeConverter().convert("1.5G"))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("size '1.5G'");
    }
}
