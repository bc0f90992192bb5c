package io.ballast.worker.cli;

import static io.ballast.worker.resize.TestImages.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.worker.move.ExtentMover;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.resize.ResizeOptions;
import io.ballast.worker.resize.TestImages;
import io.ballast.worker.resize.journal.ResizeJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ballast image resize} and {@code image sparsify}: output, progress, exit codes, continuing. */
class ImageResizeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private TestImages.Built built;

    @BeforeEach
    void image() {
        TestImages.requireTools();
        built = TestImages.mbrWithLogicals(temp);
    }

    @Test
    void aDryRunPrintsThePlanAsJsonAndChangesNothing() throws Exception {
        Path image = built.image();
        String before = TestImages.sha256(image);

        ImageCommandTest.Run run = ImageCommandTest.image(
                "resize", image.toString(), "--free-ratio", "0.3", "--truncate", "--dry-run", "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode plan = JSON.readTree(run.out());
        assertThat(plan.get("dryRun").asBoolean()).isTrue();
        assertThat(plan.get("table").asText()).isEqualTo("MBR");
        assertThat(plan.get("finalDiskBytes").asLong()).isLessThan(512 * MIB);
        assertThat(plan.get("partitions").get(0).get("toStartBytes").asLong()).isEqualTo(MIB);
        assertThat(plan.get("steps").size()).isGreaterThan(3);
        assertThat(TestImages.sha256(image)).isEqualTo(before);
    }

    @Test
    void aResizeReportsEachStepAsJsonLinesAndItsResult() throws Exception {
        Path image = built.image();

        ImageCommandTest.Run run = ImageCommandTest.image(
                "resize",
                image.toString(),
                "--partition",
                "1=100M",
                "--align",
                "64k",
                "--sparsify",
                "--truncate",
                "--json",
                "--progress=json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> events =
                run.err().lines().map(ImageResizeCommandTest::parse).toList();
        assertThat(events).isNotEmpty().allSatisfy(event -> assertThat(event.has("event"))
                .isTrue());
        List<JsonNode> steps = events.stream()
                .filter(e -> e.get("event").asText().equals("step"))
                .toList();
        assertThat(steps.getFirst().get("number").asInt()).isEqualTo(1);
        assertThat(steps.getLast().get("number").asInt())
                .isEqualTo(steps.getFirst().get("count").asInt());
        assertThat(events).anySatisfy(e -> assertThat(e.get("event").asText()).isEqualTo("progress"));
        List<JsonNode> finished = events.stream()
                .filter(e -> e.get("event").asText().equals("finished"))
                .toList();
        assertThat(finished)
                .as("each step says how long it took")
                .extracting(e -> e.get("number").asInt())
                .containsExactlyElementsOf(
                        steps.stream().map(e -> e.get("number").asInt()).toList());
        assertThat(finished).allSatisfy(e -> {
            assertThat(e.get("kind").asText()).isNotBlank();
            assertThat(e.get("millis").asLong()).isNotNegative();
        });
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.get("dryRun").asBoolean()).isFalse();
        assertThat(result.get("stepMillis"))
                .as("the result too has each step's time")
                .hasSize(finished.size());
        assertThat(result.get("fileBytesAfter").asLong()).isEqualTo(Files.size(image));
        assertThat(result.get("partitions").get(0).get("toSizeBytes").asLong()).isEqualTo(100 * MIB);
        assertThat(result.get("partitions").get(0).get("toStartBytes").asLong() % (64 << 10))
                .isZero();
        TestImages.assertExtClean(
                image, result.get("partitions").get(0).get("toStartBytes").asLong());
    }

    @Test
    void badOptionsAreRefusedInOneLine() {
        Path image = built.image();
        for (String[] args : List.of(
                new String[] {"--partition", "1=lots"},
                new String[] {"--align", "3k"},
                new String[] {"--free-ratio", "1.5"},
                new String[] {"--progress=xml"})) {
            String[] command = new String[args.length + 2];
            command[0] = "resize";
            command[1] = image.toString();
            System.arraycopy(args, 0, command, 2, args.length);
            ImageCommandTest.Run run = ImageCommandTest.image(command);
            assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(run.err().strip().lines()).hasSize(1).first().asString().startsWith("ballast image: ");
        }
        ImageCommandTest.Run missing =
                ImageCommandTest.image("resize", temp.resolve("none.img").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("does not exist");
    }

    @Test
    void anInterruptedResizeContinuesWithTheSameCommandAndOnlyWithIt() throws Exception {
        Path image = built.image();
        ResizeOptions options =
                new ResizeOptions(Map.of(), OptionalDouble.of(0.3), Alignment.MIB_1, Set.of(), false, true);
        TestImages.interruptAt(image, options, 4);
        assertThat(ResizeJournal.of(image)).exists();

        ImageCommandTest.Run other = ImageCommandTest.image("resize", image.toString(), "--free-ratio", "0.5");
        assertThat(other.exitCode()).isEqualTo(2);
        assertThat(other.err()).contains("--free-ratio 0.3").contains("run it again with those");

        ImageCommandTest.Run same =
                ImageCommandTest.image("resize", image.toString(), "--free-ratio", "0.3", "--truncate");
        assertThat(same.exitCode()).as(same.err()).isZero();
        assertThat(same.out()).contains("continued an interrupted resize");
        assertThat(same.err()).contains("step 4/").contains("(continuing)").doesNotContain("step 3/");
        assertThat(TestImages.leftovers(image)).isEmpty();
        TestImages.assertExtKept(built, image, 1, 5);
    }

    @Test
    void aResizeThatStopsMidWaySaysSoExitsOneAndGivesTheCommandThatContinuesIt() throws Exception {
        Path image = built.image();
        ResizeOptions options =
                new ResizeOptions(Map.of(), OptionalDouble.of(0.3), Alignment.MIB_1, Set.of(), false, true);
        TestImages.interruptAt(image, options, 4);
        // the next step is a move, and the move's own journal is damaged: it cannot go on, but nothing is lost
        Files.write(ExtentMover.journalOf(image), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

        ImageCommandTest.Run stopped =
                ImageCommandTest.image("resize", image.toString(), "--free-ratio", "0.3", "--truncate");

        assertThat(stopped.exitCode()).as(stopped.err()).isEqualTo(1);
        String error = stopped.err()
                .lines()
                .filter(line -> line.startsWith("ballast image: "))
                .reduce((first, last) -> last)
                .orElseThrow();
        assertThat(error)
                .contains("step 4 of ")
                .contains("the image is mid-resize, recorded in " + ResizeJournal.of(image))
                .endsWith("to continue it, run: ./ballast image resize " + image + " --free-ratio 0.3 --align 1m"
                        + " --truncate");
        assertThat(ResizeJournal.of(image)).exists();

        Files.delete(ExtentMover.journalOf(image));
        ImageCommandTest.Run continued =
                ImageCommandTest.image("resize", image.toString(), "--free-ratio", "0.3", "--truncate");
        assertThat(continued.exitCode()).as(continued.err()).isZero();
        TestImages.assertExtKept(built, image, 1, 5);
    }

    @Test
    void sparsifyPunchesFreeBlocksGapsAndSwap() throws Exception {
        Path image = built.image();

        ImageCommandTest.Run run = ImageCommandTest.image("sparsify", image.toString(), "--json");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = JSON.readTree(run.out());
        assertThat(result.get("freeFilesystemBytes").asLong()).isGreaterThan(100 * MIB);
        assertThat(result.get("swapBytes").asLong()).isEqualTo(32 * MIB - (64 << 10));
        assertThat(result.get("allocatedBytesAfter").asLong())
                .isLessThan(result.get("allocatedBytesBefore").asLong());
        long p5 = 329728L * 512;
        TestImages.assertExtClean(image, p5);
        assertThat(TestImages.files(image, p5, 196608L * 512))
                .isEqualTo(built.files().get(5));
    }

    private static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("not a JSON line: " + line, e);
        }
    }
}
