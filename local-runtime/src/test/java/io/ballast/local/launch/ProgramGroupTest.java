package io.ballast.local.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgramGroupTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path temp;

    /**
     * A program that, on SIGTERM, writes {@code NAME stopping} into {@code stops}, takes {@code lingerSeconds}, writes
     * {@code NAME stopped} and exits.
     */
    private Launch noting(String name, int lingerSeconds) {
        String note = "echo " + name + " %s >> '" + temp.resolve("stops") + "'";
        return Launch.of(
                name,
                List.of(
                        "sh",
                        "-c",
                        "trap \"" + note.formatted("stopping") + "; sleep " + lingerSeconds + "; "
                                + note.formatted("stopped") + "; exit 0\" TERM; echo started; sleep 300 & wait"));
    }

    private static void awaitStarted(List<LaunchedProgram> programs) throws InterruptedException {
        for (LaunchedProgram program : programs) {
            assertThat(program.awaitReady(new Readiness.OutputContains("started"), BOUND))
                    .isEqualTo(new Startup.Ready());
        }
    }

    @Test
    void theNewestStopFirstAndWhatStartedTogetherStopsTogether() throws Exception {
        List<Map<LaunchedProgram, LaunchedProgram.Stopped>> cleanups = new ArrayList<>();
        ProgramGroup group = ProgramGroup.open("the test's programs", cleanups::add);
        LaunchedProgram infra = group.start(noting("infra", 0));
        // Each service takes 2 s to stop: stopped together, both have been told before either is done.
        List<LaunchedProgram> services = group.startTogether(List.of(noting("one", 2), noting("two", 2)));
        LaunchedProgram agent = group.start(noting("agent", 0));
        awaitStarted(List.of(infra, services.get(0), services.get(1), agent));

        assertThat(group.stop(() -> {})).isTrue();

        List<String> stops = Files.readAllLines(temp.resolve("stops"));
        assertThat(stops).hasSize(8);
        assertThat(stops.subList(0, 2)).containsExactly("agent stopping", "agent stopped");
        assertThat(stops.subList(2, 4)).containsExactlyInAnyOrder("one stopping", "two stopping");
        assertThat(stops.subList(4, 6)).containsExactlyInAnyOrder("one stopped", "two stopped");
        assertThat(stops.subList(6, 8)).containsExactly("infra stopping", "infra stopped");
        assertThat(cleanups).hasSize(1);
        assertThat(cleanups.getFirst().keySet()).containsExactly(agent, services.get(0), services.get(1), infra);
        assertThat(cleanups.getFirst().values()).containsOnly(LaunchedProgram.Stopped.EXITED);
    }

    @Test
    void aGroupStopsOnceAndStartsNothingAfterwards() throws Exception {
        List<Map<LaunchedProgram, LaunchedProgram.Stopped>> cleanups = new ArrayList<>();
        ProgramGroup group = ProgramGroup.open("the test's programs", cleanups::add);
        LaunchedProgram program = group.start(noting("only", 0));
        awaitStarted(List.of(program));
        AtomicBoolean secondSaidWhy = new AtomicBoolean();

        assertThat(group.stop(() -> {})).isTrue();
        assertThat(group.stop(() -> secondSaidWhy.set(true))).isFalse();
        group.close();

        assertThat(program.isAlive()).isFalse();
        assertThat(cleanups).hasSize(1);
        assertThat(secondSaidWhy).isFalse();
        assertThatThrownBy(() -> group.start(noting("late", 0)))
                .isInstanceOf(CancellationException.class)
                .hasMessage("the test's programs is stopping");
    }

    @Test
    void aStopWhileAnotherRunsReturnsOnlyOnceTheCleanupIsDone() throws Exception {
        AtomicBoolean cleanedUp = new AtomicBoolean();
        ProgramGroup group = ProgramGroup.open("the test's programs", how -> cleanedUp.set(true));
        LaunchedProgram program = group.start(noting("slow", 2));
        awaitStarted(List.of(program));
        CountDownLatch begun = new CountDownLatch(1);

        CompletableFuture<Boolean> first = CompletableFuture.supplyAsync(() -> {
            try {
                return group.stop(begun::countDown);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(begun.await(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(group.stop(() -> {})).isFalse();
        assertThat(cleanedUp)
                .as("the second stop returned after the first's cleanup")
                .isTrue();
        assertThat(first.get(BOUND.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
}
