package io.ballast.local.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    private static Launch shell(String name, String script) {
        return Launch.of(name, List.of("sh", "-c", script));
    }

    @Test
    void prefixedOutputCarriesTheNameAndTheEnvironmentIsTheLaunchs() throws Exception {
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        PrintStream target = new PrintStream(terminal, true, StandardCharsets.UTF_8);
        try (LaunchedProgram program = Launcher.start(shell("infra", "echo \"ready $DISK\"; echo oops >&2")
                .withEnvironment(Map.of("DISK", "disk-1"))
                .withOutput(new Output.Prefixed("infra", target)))) {
            assertThat(program.awaitExit(BOUND)).hasValue(0);
            assertThat(program.output()).containsExactly("ready disk-1", "oops");
        }
        assertThat(terminal.toString(StandardCharsets.UTF_8).lines())
                .containsExactly("[infra] ready disk-1", "[infra] oops");
    }

    @Test
    void aLogFileHoldsTheOutputAndReadinessCanBeALineOfIt() throws Exception {
        Path log = temp.resolve("agent.log");
        try (LaunchedProgram agent =
                Launcher.start(shell("agent", "echo starting; sleep 1; echo connected as vm-1; sleep 300")
                        .withOutput(new Output.LogFile(log)))) {
            assertThat(agent.awaitReady(new Readiness.OutputContains("connected as vm-1"), BOUND))
                    .isEqualTo(new Startup.Ready());
            assertThat(Files.readAllLines(log)).containsExactly("starting", "connected as vm-1");
        }
    }

    @Test
    void aProgramThatExitsDuringStartIsToldApartFromOneThatIsSlow() throws Exception {
        try (LaunchedProgram failing = Launcher.start(shell("failing", "echo no database; exit 3"));
                LaunchedProgram slow = Launcher.start(shell("slow", "sleep 300"))) {
            Startup startup = Launcher.awaitReady(
                    Map.of(
                            slow, new Readiness.FileExists(temp.resolve("never")),
                            failing, new Readiness.FileExists(temp.resolve("never"))),
                    BOUND);
            assertThat(startup).isEqualTo(new Startup.Exited(failing, 3));
            assertThat(failing.output()).containsExactly("no database");

            assertThat(slow.awaitReady(new Readiness.FileExists(temp.resolve("never")), Duration.ofMillis(600)))
                    .isEqualTo(new Startup.TimedOut(List.of(slow), Duration.ofMillis(600)));
        }
    }

    @Test
    void readinessCanBeAFileTheProgramWrites() throws Exception {
        Path ready = temp.resolve("infra.env");
        try (LaunchedProgram program =
                Launcher.start(shell("infra", "sleep 1; echo KAFKA=x > '" + ready + "'; sleep 300"))) {
            assertThat(program.awaitReady(new Readiness.FileExists(ready), BOUND))
                    .isEqualTo(new Startup.Ready());
        }
    }

    @Test
    void stoppingEndsWhatTheProgramStartedAndLeftBehind() throws Exception {
        LaunchedProgram program = Launcher.start(shell("parent", "sleep 300 & echo started; wait"));
        program.awaitReady(new Readiness.OutputContains("started"), BOUND);
        List<ProcessHandle> children = program.handle().descendants().toList();
        assertThat(children).isNotEmpty();

        assertThat(program.stop()).isEqualTo(LaunchedProgram.Stopped.EXITED);

        assertThat(program.isAlive()).isFalse();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void aProgramIgnoringSigtermIsKilledAfterTheGraceWithItsChildren() throws Exception {
        LaunchedProgram program =
                Launcher.start(shell("stubborn", "trap '' TERM; sleep 300 & echo started; while :; do wait; done"));
        program.awaitReady(new Readiness.OutputContains("started"), BOUND);
        List<ProcessHandle> children = program.handle().descendants().toList();
        long start = System.nanoTime();

        assertThat(program.stop()).isEqualTo(LaunchedProgram.Stopped.KILLED);

        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(LaunchedProgram.STOP_GRACE, BOUND.plus(LaunchedProgram.STOP_GRACE));
        assertThat(program.isAlive()).isFalse();
        assertThat(children).isNotEmpty().noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void programsStoppedTogetherAreSignalledAtOnce() throws Exception {
        LaunchedProgram first = Launcher.start(shell("first", "sleep 300"));
        LaunchedProgram second = Launcher.start(shell("second", "sleep 300"));
        long start = System.nanoTime();

        assertThat(Launcher.stopTogether(List.of(first, second)))
                .containsExactly(
                        Map.entry(first, LaunchedProgram.Stopped.EXITED),
                        Map.entry(second, LaunchedProgram.Stopped.EXITED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    /** A main of this class path, for {@link Launcher#javaCommand}: prints its arguments and a system property. */
    static final class PrintArguments {
        public static void main(String[] args) {
            System.out.println(String.join(",", args) + " " + System.getProperty("ballast.test"));
        }
    }

    @Test
    void aJavaCommandRunsAMainOfThisClassPathWithItsOptionsAndArguments() throws Exception {
        List<String> command =
                Launcher.javaCommand(List.of("-Dballast.test=given", "-Xshare:auto"), PrintArguments.class, "a", "b c");

        assertThat(command.getFirst()).isEqualTo(Launcher.java().toString());
        assertThat(command).containsSubsequence("-Dballast.test=given", "--enable-native-access=ALL-UNNAMED", "-cp");
        try (LaunchedProgram program = Launcher.start(Launch.of("java", command))) {
            assertThat(program.awaitExit(BOUND)).hasValue(0);
            assertThat(program.output()).containsExactly("a,b c given");
        }
    }

    @Test
    void aProgramThatCannotStartIsNamed() {
        assertThatThrownBy(() -> Launcher.start(Launch.of("tool", List.of("/nonexistent/tool"))))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot start tool (/nonexistent/tool): ");
    }
}
