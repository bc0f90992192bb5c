package io.ballast.worker.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.linux.Fd;
import io.ballast.local.launch.Launcher;
import io.ballast.worker.image.ImageException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Moves on real sparse files (ext4 or whatever holds the temporary directory, which must support holes). */
class ExtentMoverTest {

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    @TempDir
    Path temp;

    /**
     * A sparse image of {@code size} bytes: segments of random data separated by holes, in the range the moves read.
     * Returns its content.
     */
    private static byte[] sparseImage(Path image, int size, long seed) throws Exception {
        Random random = new Random(seed);
        byte[] content = new byte[size];
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(size);
            int at = 0;
            while (at < size) {
                int data = (1 + random.nextInt(48)) * 4 * KIB;
                int hole = random.nextInt(4) * 16 * KIB;
                int end = Math.min(size, at + data);
                byte[] bytes = new byte[end - at];
                random.nextBytes(bytes);
                file.seek(at);
                file.write(bytes);
                System.arraycopy(bytes, 0, content, at, bytes.length);
                at = end + hole;
            }
        }
        return content;
    }

    private static byte[] expectedAfter(byte[] before, Move move) {
        byte[] after = before.clone();
        System.arraycopy(
                before, (int) move.sourceBytes(), after, (int) move.destinationBytes(), (int) move.lengthBytes());
        return after;
    }

    private static long allocated(Path image, long from, long to) throws Exception {
        try (Fd fd = Fd.readOnly(image)) {
            return fd.dataBytes(from, to);
        }
    }

    @Test
    void aLeftwardMoveShorterThanAChunkKeepsEveryByteAndEveryHole() throws Exception {
        Path image = temp.resolve("left.img");
        byte[] before = sparseImage(image, 8 * MIB, 1);
        Move move = new Move(3 * MIB + 32 * KIB, 3 * MIB, 4 * MIB);

        ExtentMover.Result result = new ExtentMover(256 * KIB).move(image, move, ExtentMover.Progress.NONE);

        byte[] expected = expectedAfter(before, move);
        assertThat(Files.readAllBytes(image)).isEqualTo(expected);
        assertThat(result.dataBytes() + result.holeBytes()).isEqualTo(move.lengthBytes());
        assertThat(result.holeBytes()).isPositive();
        assertThat(allocated(image, move.destinationBytes(), move.destination().endBytes()))
                .as("the destination holds about the source's data, not the whole range")
                .isLessThanOrEqualTo(result.dataBytes() + 64 * KIB);

        // Until it is released, the finished move stays recorded: running it again copies nothing.
        assertThat(ExtentMover.pending(image)).isEmpty();
        ExtentMover.Result again = new ExtentMover(256 * KIB).move(image, move, ExtentMover.Progress.NONE);
        assertThat(again.dataBytes()).isZero();
        assertThat(again.resumed()).isTrue();
        assertThat(again.resumedFromBytes()).isEqualTo(move.lengthBytes());
        assertThat(Files.readAllBytes(image)).isEqualTo(expected);
        assertThatThrownBy(() -> new ExtentMover().move(image, new Move(0, MIB, MIB), ExtentMover.Progress.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("is finished but not yet released");
        ExtentMover.release(image);
        assertThat(ExtentMover.journalOf(image)).doesNotExist();
    }

    @Test
    void aRightwardOverlappingMoveRunsFromTheEnd() throws Exception {
        Path image = temp.resolve("right.img");
        byte[] before = sparseImage(image, 8 * MIB, 2);
        Move move = new Move(MIB, MIB + 1536 * KIB, 5 * MIB);

        new ExtentMover(512 * KIB).move(image, move, ExtentMover.Progress.NONE);

        assertThat(Files.readAllBytes(image)).isEqualTo(expectedAfter(before, move));
    }

    @Test
    void aMoveWhoseSourceAndDestinationAreApartReportsProgressToTheEnd() throws Exception {
        Path image = temp.resolve("apart.img");
        byte[] before = sparseImage(image, 16 * MIB, 3);
        Move move = new Move(10 * MIB, 512, 5 * MIB);
        List<Long> progress = new ArrayList<>();

        new ExtentMover(1 * MIB).move(image, move, (done, total) -> progress.add(done));

        assertThat(Files.readAllBytes(image)).isEqualTo(expectedAfter(before, move));
        assertThat(progress).isSorted().hasSize(5).endsWith(move.lengthBytes());
    }

    @Test
    void killedAtRandomPointsAMoveByLessThanAChunkResumesToTheSameBytes() throws Exception {
        // Leftward by half a chunk: every chunk's destination covers its own source, saved in the journal first.
        killAndResume(new Move(2 * MIB + 32 * KIB, 2 * MIB, 20 * MIB), 4);
    }

    @Test
    void killedAtRandomPointsAMoveByAFewChunksResumesToTheSameBytes() throws Exception {
        // Rightward by one and a half chunks: each destination covers the source of a chunk copied just before,
        // which must be recorded as done first.
        killAndResume(new Move(2 * MIB, 2 * MIB + 96 * KIB, 20 * MIB), 5);
    }

    private void killAndResume(Move move, long seed) throws Exception {
        Path image = temp.resolve("crash.img");
        byte[] before = sparseImage(image, 24 * MIB, seed);
        Random random = new Random(seed);
        int kills = 0;
        boolean done = false;
        while (!done) {
            Process process = new ProcessBuilder(Launcher.javaCommand(
                            List.of(),
                            MoveProcess.class,
                            image.toString(),
                            Long.toString(move.sourceBytes()),
                            Long.toString(move.destinationBytes()),
                            Long.toString(move.lengthBytes()),
                            Integer.toString(64 * KIB)))
                    .redirectErrorStream(true)
                    .start();
            int killAfter = kills < 24 ? 1 + random.nextInt(12) : Integer.MAX_VALUE;
            int lines = 0;
            String last = "";
            List<String> output = new ArrayList<>();
            try (var out =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    last = line;
                    output.add(line);
                    if (line.startsWith("moved ") && ++lines >= killAfter) {
                        process.destroyForcibly();
                        kills++;
                        break;
                    }
                }
            }
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            done = process.exitValue() == 0 && last.equals("done");
            if (!done) {
                assertThat(process.exitValue())
                        .as("after %d kills: %s", kills, String.join("\n", output))
                        .isEqualTo(137);
            }
        }

        assertThat(kills).isGreaterThanOrEqualTo(20);
        assertThat(Files.readAllBytes(image)).isEqualTo(expectedAfter(before, move));
        assertThat(ExtentMover.pending(image)).isEmpty();
        ExtentMover.release(image);
        assertThat(ExtentMover.journalOf(image)).doesNotExist();
    }

    @Test
    void anotherMoveIsRefusedWhileOneIsUnfinishedAndThePendingOneCanBeResumed() throws Exception {
        Path image = temp.resolve("pending.img");
        byte[] before = sparseImage(image, 4 * MIB, 6);
        Move pending = new Move(MIB, 0, 2 * MIB);
        try (MoveJournal journal =
                MoveJournal.create(ExtentMover.journalOf(image), identity(image), pending, 64 * KIB)) {
            assertThat(journal.chunksDone()).isZero();
        }

        assertThatThrownBy(() -> new ExtentMover().move(image, new Move(0, MIB, MIB), ExtentMover.Progress.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("another move of " + image + " is unfinished (" + pending + ")");
        assertThat(ExtentMover.pending(image)).contains(pending);
        assertThatThrownBy(() -> ExtentMover.release(image))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("is not finished; resume it");
        assertThat(Files.readAllBytes(image)).isEqualTo(before);

        assertThat(new ExtentMover().resume(image, ExtentMover.Progress.NONE))
                .hasValueSatisfying(result -> assertThat(result.resumed()).isTrue());
        assertThat(Files.readAllBytes(image)).isEqualTo(expectedAfter(before, pending));
        assertThat(ExtentMover.pending(image)).isEmpty();
    }

    @Test
    void aJournalOfAnotherFileOrADamagedOneIsNeverApplied() throws Exception {
        Path image = temp.resolve("mine.img");
        Path other = temp.resolve("other.img");
        byte[] before = sparseImage(image, 2 * MIB, 7);
        sparseImage(other, 2 * MIB, 8);
        Move move = new Move(MIB, 0, MIB);
        MoveJournal.create(ExtentMover.journalOf(image), identity(other), move, 64 * KIB)
                .close();

        assertThatThrownBy(() -> new ExtentMover().resume(image, ExtentMover.Progress.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("belongs to another file");

        try (FileChannel journal = FileChannel.open(ExtentMover.journalOf(image), StandardOpenOption.WRITE)) {
            journal.write(ByteBuffer.wrap(new byte[] {0x7f}), 20);
        }
        assertThatThrownBy(() -> new ExtentMover().resume(image, ExtentMover.Progress.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("has no valid header");
        assertThat(Files.readAllBytes(image)).isEqualTo(before);
    }

    @Test
    void aMoveBeyondTheImageIsRefusedAndLeavesNoJournal() throws Exception {
        Path image = temp.resolve("small.img");
        byte[] before = sparseImage(image, MIB, 9);

        assertThatThrownBy(() -> new ExtentMover()
                        .move(image, new Move(512 * KIB, 768 * KIB, 512 * KIB), ExtentMover.Progress.NONE))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("it is " + MIB + " bytes long");
        assertThat(ExtentMover.journalOf(image)).doesNotExist();
        assertThat(Files.readAllBytes(image)).isEqualTo(before);
        assertThatThrownBy(() -> new Move(100, 0, 512)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Move(512, 512, 512)).isInstanceOf(IllegalArgumentException.class);
    }

    private static MoveJournal.ImageIdentity identity(Path image) throws Exception {
        return MoveJournal.ImageIdentity.of(Fd.stat(image));
    }
}
