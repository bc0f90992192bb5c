package io.ballast.agent.ballast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.agent.state.StateStore;
import io.ballast.testsupport.LoopDisk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generations on a real ext4 filesystem, with the agent's state in a real directory. */
class BallastKeeperTest {

    private static final long MIB = 1 << 20;

    @TempDir
    Path temp;

    private LoopDisk disk;
    private String mount;
    private Path stateDirectory;
    private BallastKeeper keeper;

    @BeforeEach
    void disk() throws IOException {
        disk = LoopDisk.create(temp, 512 * MIB, "label: dos\nstart=2048\n");
        mount = disk.mountExt4(1, temp).toString();
        stateDirectory = temp.resolve("state");
        keeper = newKeeper();
    }

    @AfterEach
    void detach() {
        disk.close();
    }

    private BallastKeeper newKeeper() throws IOException {
        return new BallastKeeper(Ballasts.ofThisSystem(), new StateStore(stateDirectory));
    }

    private SetSize command(long generation, long bytes) {
        return new SetSize("vm-1", "disk-1", mount, generation, bytes);
    }

    private long ballastSize() throws IOException {
        return Files.size(Path.of(mount, Ballasts.FILE_NAME));
    }

    @Test
    void aGenerationIsAppliedOnceAndARepeatGetsTheSameAnswer() throws Exception {
        Outcome first = keeper.apply(command(1, 64 * MIB));
        assertThat(first).isInstanceOfSatisfying(Outcome.Applied.class, applied -> {
            assertThat(applied.actualBytes()).isEqualTo(64 * MIB);
            assertThat(applied.extents()).isInstanceOf(ExtentMap.Mapped.class);
            assertThat(applied.recreated()).isFalse();
        });

        // Someone else changes the ballast; a repeated generation must not be applied again.
        Ballasts.ofThisSystem().set(Path.of(mount), 8 * MIB);
        assertThat(keeper.apply(command(1, 64 * MIB))).isEqualTo(first);
        assertThat(ballastSize()).isEqualTo(8 * MIB);
    }

    @Test
    void anOlderGenerationIsIgnored() throws Exception {
        keeper.apply(command(5, 32 * MIB));

        assertThat(keeper.apply(command(4, 128 * MIB))).isEqualTo(new Outcome.Stale(4, 5));
        assertThat(ballastSize()).isEqualTo(32 * MIB);
    }

    @Test
    void aRestartedAgentRemembersWhatItApplied() throws Exception {
        Outcome applied = keeper.apply(command(7, 48 * MIB));

        BallastKeeper restarted = newKeeper();

        assertThat(restarted.apply(command(7, 48 * MIB))).isEqualTo(applied);
        assertThat(restarted.apply(command(6, 1 * MIB))).isEqualTo(new Outcome.Stale(6, 7));
        assertThat(restarted.apply(command(8, 16 * MIB)))
                .isInstanceOfSatisfying(
                        Outcome.Applied.class, a -> assertThat(a.actualBytes()).isEqualTo(16 * MIB));
        assertThat(ballastSize()).isEqualTo(16 * MIB);
        try (var files = Files.list(stateDirectory)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(name -> name.endsWith(".tmp"));
        }
    }

    @Test
    void aFailureIsRememberedAndRepeatedLikeASuccess() throws Exception {
        keeper.apply(command(1, 16 * MIB));

        Outcome failed = keeper.apply(command(2, 4096 * MIB));

        assertThat(failed).isInstanceOfSatisfying(Outcome.Failed.class, f -> {
            assertThat(f.failure()).isEqualTo(Outcome.Failure.NO_SPACE);
            assertThat(f.actualBytes()).isEqualTo(16 * MIB);
            assertThat(f.freeBytesSeen()).isBetween(400 * MIB, 512 * MIB);
        });
        assertThat(newKeeper().apply(command(2, 4096 * MIB))).isEqualTo(failed);
        assertThat(ballastSize()).isEqualTo(16 * MIB);
    }

    @Test
    void aDeletedBallastIsRecreatedAndReported() throws Exception {
        keeper.apply(command(3, 64 * MIB));
        Files.delete(Path.of(mount, Ballasts.FILE_NAME));

        var recreated = keeper.reconcile(List.of(mount)).values();

        assertThat(recreated).singleElement().isInstanceOfSatisfying(Outcome.Applied.class, applied -> {
            assertThat(applied.generation()).isEqualTo(3);
            assertThat(applied.actualBytes()).isEqualTo(64 * MIB);
            assertThat(applied.recreated()).isTrue();
        });
        assertThat(ballastSize()).isEqualTo(64 * MIB);
        assertThat(keeper.reconcile(List.of(mount)))
                .as("nothing left to recreate")
                .isEmpty();
    }

    @Test
    void aCutBallastIsRestoredToItsSize() throws Exception {
        keeper.apply(command(1, 64 * MIB));
        Ballasts.ofThisSystem().set(Path.of(mount), 1 * MIB);

        assertThat(keeper.reconcile(List.of(mount))).containsOnlyKeys(mount);
        assertThat(ballastSize()).isEqualTo(64 * MIB);
    }

    @Test
    void aNewGenerationAfterADeletionSaysItRecreatedTheBallast() throws Exception {
        keeper.apply(command(1, 64 * MIB));
        Files.delete(Path.of(mount, Ballasts.FILE_NAME));

        assertThat(keeper.apply(command(2, 32 * MIB)))
                .isInstanceOfSatisfying(
                        Outcome.Applied.class, a -> assertThat(a.recreated()).isTrue());
    }

    @Test
    void aDamagedStateFileIsAnErrorNamingTheFile() throws Exception {
        keeper.apply(command(1, 8 * MIB));
        try (var files = Files.list(stateDirectory)) {
            Path file = files.findFirst().orElseThrow();
            Files.writeString(file, "generation=banana\noutcome=applied\n");

            assertThatThrownBy(() -> newKeeper().apply(command(2, 8 * MIB)))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("'generation' is 'banana', not a number");
        }
    }
}
