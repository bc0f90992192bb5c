package io.ballast.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.cli.ByteSize;
import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.cli.Refusal;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.plan.LayoutPlanner;
import io.ballast.worker.reclaim.ReclaimResult;
import io.ballast.worker.reclaim.Reclaimer;
import io.ballast.worker.resize.ImageGuard;
import io.ballast.worker.resize.ImageResize;
import io.ballast.worker.resize.ResizeOptions;
import io.ballast.worker.resize.ResizePlan;
import io.ballast.worker.resize.Sparsifier;
import io.ballast.worker.resize.Step;
import io.ballast.worker.scan.ImageScan;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./ballast image ...}: the worker's disk-image operations on the command line. Exit codes: 0 done, 1 failed
 * (an I/O error, or a resize stopped mid-way: the message says how to continue it), 2 refused (bad usage, or an image
 * or input Ballast will not work on; nothing changed). {@code scan} keeps 2 and 3 for its alignment verdicts.
 */
@Command(
        name = "ballast image",
        mixinStandardHelpOptions = true,
        description = "Work on VM disk images on this host.",
        subcommands = {
            ImageCommand.Scan.class,
            ImageCommand.Resize.class,
            ImageCommand.Sparsify.class,
            ImageCommand.Reclaim.class
        })
public final class ImageCommand implements Runnable {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        program().exit(args);
    }

    static Program program() {
        return Program.of(new ImageCommand()).refusing(ImageException.Refused.class);
    }

    // scan's exit codes 2 and 3 speak of alignment (as virt-alignment-scan's do); its errors, usage ones too, are 1
    @Command(
            name = "scan",
            exitCodeOnInvalidInput = ExitCode.FAILED,
            mixinStandardHelpOptions = true,
            description = {
                "Show an image's container, partition table and partitions (filesystem, use, minimum size,"
                        + " alignment). Reads only.",
                "Exit codes, as virt-alignment-scan's: 0 every partition on a 64 KiB boundary or better, 2 some"
                        + " under 64 KiB, 3 some under 4 KiB, 1 the image could not be read."
            })
    static final class Scan implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "Raw image, block device or VMDK descriptor.")
        Path image;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ImageScan.Report report;
            try {
                report = ImageScan.scan(image);
            } catch (ImageException e) {
                // 2 and 3 speak of alignment here: an image scan could not read fails with 1 whatever the reason
                throw new ScanFailed(e.getMessage(), e);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(new ObjectMapper().writeValueAsString(asJson(report)));
            } else {
                out.println(report.image() + ": " + report.container() + ", " + report.diskBytes() + " bytes, "
                        + report.scheme());
                for (ImageScan.PartitionReport partition : report.partitions()) {
                    out.println("  " + describe(partition));
                }
            }
            return report.alignmentExitCode();
        }

        private static String describe(ImageScan.PartitionReport partition) {
            StringBuilder line = new StringBuilder();
            line.append("partition ")
                    .append(partition.number())
                    .append(": start ")
                    .append(partition.startBytes())
                    .append(", size ")
                    .append(partition.sizeBytes())
                    .append(", type ")
                    .append(partition.type())
                    .append(", ")
                    .append(partition.filesystem().label());
            partition.usedBytes().ifPresent(used -> line.append(", used ").append(used));
            partition.minimumBytes().ifPresent(minimum -> line.append(", minimum ")
                    .append(minimum));
            long alignment = partition.alignmentBytes();
            line.append(", aligned to ")
                    .append(alignment >= ImageScan.ALIGNMENT_CAP_BYTES ? "1 MiB or more" : alignment + " bytes");
            if (alignment < ImageScan.MINIMAL_ALIGNMENT_BYTES) {
                line.append(" (under 4 KiB)");
            } else if (alignment < ImageScan.GOOD_ALIGNMENT_BYTES) {
                line.append(" (under 64 KiB)");
            }
            return line.toString();
        }

        private static Map<String, Object> asJson(ImageScan.Report report) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("image", report.image().toString());
            json.put("container", report.container());
            json.put("diskBytes", report.diskBytes());
            json.put("table", report.scheme().name());
            List<Map<String, Object>> partitions = new ArrayList<>();
            for (ImageScan.PartitionReport partition : report.partitions()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("number", partition.number());
                entry.put("startBytes", partition.startBytes());
                entry.put("sizeBytes", partition.sizeBytes());
                entry.put("type", partition.type());
                entry.put("filesystem", partition.filesystem().label());
                entry.put(
                        "usedBytes",
                        partition.usedBytes().isPresent()
                                ? partition.usedBytes().getAsLong()
                                : null);
                entry.put(
                        "minimumBytes",
                        partition.minimumBytes().isPresent()
                                ? partition.minimumBytes().getAsLong()
                                : null);
                entry.put("alignmentBytes", partition.alignmentBytes());
                partitions.add(entry);
            }
            json.put("partitions", partitions);
            json.put("alignmentExitCode", report.alignmentExitCode());
            return json;
        }
    }

    @Command(
            name = "reclaim",
            mixinStandardHelpOptions = true,
            description = "Punch a ballast's extents out of a raw or VMDK flat image (the VM may run).")
    static final class Reclaim implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "Raw image or VMDK descriptor.")
        Path image;

        @Option(
                names = "--extents",
                required = true,
                paramLabel = "FILE",
                description = "JSON extents ({diskOffsetBytes, lengthBytes}), or the agent's show --json; - for stdin.")
        String extents;

        @Option(names = "--check", description = "Only count bytes backed inside the extents; change nothing.")
        boolean check;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<ByteRange> ranges;
            try {
                ranges = ExtentsInput.parse(readExtents());
            } catch (IOException e) {
                throw new Refusal(e.getMessage());
            }
            Reclaimer reclaimer = new Reclaimer();
            long rangesBytes = ranges.stream().mapToLong(ByteRange::lengthBytes).sum();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("image", image.toString());
            {
                if (check) {
                    long backed = reclaimer.measure(image, ranges).backedInRangesBeforeBytes();
                    report.put("rangesBytes", rangesBytes);
                    report.put("backedInRangesBytes", backed);
                    out.println(
                            json
                                    ? new ObjectMapper().writeValueAsString(report)
                                    : backed + " of " + rangesBytes + " bytes inside the extents are backed in "
                                            + image);
                } else {
                    ReclaimResult result = reclaimer.reclaim(image, ranges, Reclaimer.Progress.NONE);
                    report.put("rangesBytes", result.rangesBytes());
                    report.put("backedBeforeBytes", result.backedBeforeBytes());
                    report.put("backedAfterBytes", result.backedAfterBytes());
                    report.put("freedBytes", result.freedBytes());
                    report.put("backedInRangesBeforeBytes", result.backedInRangesBeforeBytes());
                    out.println(
                            json
                                    ? new ObjectMapper().writeValueAsString(report)
                                    : "reclaimed " + result.rangesBytes() + " bytes of extents from " + image
                                            + ": allocated "
                                            + result.backedBeforeBytes() + " -> " + result.backedAfterBytes()
                                            + " bytes, freed "
                                            + result.freedBytes());
                }
                return ExitCode.DONE;
            }
        }

        private String readExtents() throws IOException {
            if (extents.equals("-")) {
                return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Path file = Path.of(extents);
            if (!Files.isRegularFile(file)) {
                throw new IOException("extents file " + file + " does not exist");
            }
            return Files.readString(file);
        }
    }

    @Command(
            name = "resize",
            mixinStandardHelpOptions = true,
            description = {
                "Right-size an image in place, offline: shrink or grow filesystems, move partitions to aligned"
                        + " places, rewrite the table, optionally punch unused space and cut the image to its new end.",
                "Every step is journaled next to the image (IMAGE.ballast-resize); after an interruption, the same"
                        + " command continues where it stopped.",
                "Exit codes: 0 done (or nothing to do), 1 failed (an I/O or tool error; when it stopped mid-resize,"
                        + " the journal stays and the message gives the command that continues it), 2 refused (bad"
                        + " usage, an image in use, a plan that does not fit; nothing changed)."
            })
    static final class Resize implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "Raw image, block device or VMDK descriptor.")
        Path image;

        @Option(
                names = "--partition",
                paramLabel = "N=SIZE",
                description = "New size of partition N, e.g. 2=6G (K, M, G, T are binary). Repeatable.")
        Map<Integer, String> partitions = new LinkedHashMap<>();

        @Option(
                names = "--free-ratio",
                paramLabel = "R",
                description = "Size the filesystems not named by --partition to leave this share free (0 to below 1).")
        Optional<Double> freeRatio = Optional.empty();

        @Option(
                names = "--align",
                paramLabel = "64k|1m|cylinder|none",
                defaultValue = "1m",
                converter = AlignmentConverter.class,
                description = "Where partitions start (default: ${DEFAULT-VALUE}).")
        Alignment align;

        @Option(names = "--no-align", paramLabel = "N", description = "Keep partition N's start. Repeatable.")
        List<Integer> noAlign = new ArrayList<>();

        @Option(names = "--sparsify", description = "Punch out unused space afterwards (see image sparsify).")
        boolean sparsify;

        @Option(names = "--truncate", description = "Cut the image to the end of its new layout.")
        boolean truncate;

        @Option(names = "--dry-run", description = "Print the plan; change nothing.")
        boolean dryRun;

        @Option(names = "--json", description = "Print one JSON object of the plan and the result instead of text.")
        boolean json;

        @Option(
                names = "--progress",
                paramLabel = "human|json",
                defaultValue = "human",
                description = "Progress on stderr as text or as JSON lines, with each step's time (default:"
                        + " ${DEFAULT-VALUE}).")
        String progress;

        @Override
        public Integer call() throws Exception {
            if (!progress.equals("human") && !progress.equals("json")) {
                throw new Refusal("--progress is human or json, not '" + progress + "'");
            }
            Map<Integer, Long> targets = new LinkedHashMap<>();
            for (Map.Entry<Integer, String> entry : partitions.entrySet()) {
                targets.put(entry.getKey(), ByteSize.parse(entry.getValue()));
            }
            ResizeOptions options = new ResizeOptions(
                    targets,
                    freeRatio.map(OptionalDouble::of).orElse(OptionalDouble.empty()),
                    align,
                    Set.copyOf(noAlign),
                    sparsify,
                    truncate);
            PrintWriter out = spec.commandLine().getOut();
            if (dryRun) {
                print(out, new ResizeReport.Planned(ImageResize.preview(image, options)));
                return ExitCode.DONE;
            }
            try {
                ImageResize.Outcome outcome = ImageResize.run(
                        image, options, new ProgressPrinter(spec.commandLine().getErr(), progress));
                print(out, new ResizeReport.Resized(outcome));
                return ExitCode.DONE;
            } catch (ImageException.Interrupted e) {
                throw new ResizeStopped(
                        e.getMessage() + "; to continue it, run: ./ballast image resize "
                                + ShellWords.quote(image.toString()) + " " + options.describe(),
                        e);
            }
        }

        private void print(PrintWriter out, ResizeReport report) throws IOException {
            ResizePlan plan = report.plan();
            if (json) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("image", image.toString());
                fields.put("dryRun", report instanceof ResizeReport.Planned);
                fields.put(
                        "resumed",
                        report instanceof ResizeReport.Resized resized
                                && resized.outcome().resumed());
                fields.put("table", plan.scheme().name());
                fields.put("diskBytes", plan.diskBytes());
                fields.put("finalDiskBytes", plan.finalDiskBytes());
                List<Map<String, Object>> placed = new ArrayList<>();
                for (LayoutPlanner.Placed p : plan.layout()) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("number", p.number());
                    plan.partition(p.number())
                            .ifPresent(info ->
                                    entry.put("filesystem", info.filesystem().label()));
                    entry.put("fromStartBytes", p.from().startBytes());
                    entry.put("fromSizeBytes", p.from().lengthBytes());
                    entry.put("toStartBytes", p.to().startBytes());
                    entry.put("toSizeBytes", p.to().lengthBytes());
                    placed.add(entry);
                }
                fields.put("partitions", placed);
                fields.put("steps", plan.steps().stream().map(Step::describe).toList());
                if (report instanceof ResizeReport.Resized(ImageResize.Outcome outcome)) {
                    fields.put("stepsRun", outcome.stepsRun());
                    fields.put("fileBytesBefore", outcome.fileBytesBefore());
                    fields.put("fileBytesAfter", outcome.fileBytesAfter());
                    fields.put("allocatedBytesBefore", outcome.allocatedBytesBefore());
                    fields.put("allocatedBytesAfter", outcome.allocatedBytesAfter());
                    fields.put("movedBytes", outcome.movedDataBytes());
                    fields.put(
                            "stepMillis",
                            outcome.stepTimes().stream()
                                    .map(time -> time.took().toMillis())
                                    .toList());
                }
                out.println(new ObjectMapper().writeValueAsString(fields));
                return;
            }
            switch (report) {
                case ResizeReport.Planned planned -> out.println("plan for " + image);
                case ResizeReport.Resized(ImageResize.Outcome outcome) ->
                    out.println("resized " + image + (outcome.resumed() ? " (continued an interrupted resize)" : ""));
            }
            for (LayoutPlanner.Placed p : plan.layout()) {
                String filesystem = plan.partition(p.number())
                        .map(info -> ", " + info.filesystem().label())
                        .orElse("");
                out.println("  partition " + p.number() + filesystem + ": start "
                        + p.from().startBytes() + " -> "
                        + p.to().startBytes() + ", size "
                        + ByteSize.human(p.from().lengthBytes()) + " -> "
                        + ByteSize.human(p.to().lengthBytes()));
            }
            if (plan.steps().isEmpty()) {
                out.println("  nothing to do: the layout already is what was asked");
            }
            for (int i = 0; i < plan.steps().size(); i++) {
                out.println("  " + (i + 1) + ". " + plan.steps().get(i).describe());
            }
            if (report instanceof ResizeReport.Resized(ImageResize.Outcome outcome)) {
                out.println("  image " + ByteSize.human(outcome.fileBytesBefore()) + " -> "
                        + ByteSize.human(outcome.fileBytesAfter()) + ", allocated "
                        + ByteSize.human(outcome.allocatedBytesBefore()) + " -> "
                        + ByteSize.human(outcome.allocatedBytesAfter()));
            }
        }
    }

    /** What a resize command prints: the plan of a dry run, or what a resize did. */
    sealed interface ResizeReport {
        ResizePlan plan();

        record Planned(ResizePlan plan) implements ResizeReport {}

        record Resized(ImageResize.Outcome outcome) implements ResizeReport {
            @Override
            public ResizePlan plan() {
                return outcome.plan();
            }
        }
    }

    /** A resize stopped mid-transaction: exit 1, with the command that continues it in the message. */
    static final class ResizeStopped extends Exception {
        ResizeStopped(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A scan that could not read the image: exit 1 (2 and 3 are scan's alignment verdicts). */
    static final class ScanFailed extends Exception {
        ScanFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** {@code --align}'s values as {@link Alignment}s. */
    static final class AlignmentConverter implements CommandLine.ITypeConverter<Alignment> {
        @Override
        public Alignment convert(String value) {
            try {
                return Alignment.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Command(
            name = "sparsify",
            mixinStandardHelpOptions = true,
            description = {
                "Punch out of an image what its layout proves unused: space between and after the partitions, the"
                        + " free blocks of ext filesystems, swap contents. What lies before the first partition (boot"
                        + " code) is kept. The image keeps its size. Offline: the VM must be stopped.",
                "Exit codes: 0 done, 1 failed, 2 refused (an image in use or not one Ballast works on)."
            })
    static final class Sparsify implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "IMAGE", description = "Raw image or VMDK descriptor.")
        Path image;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            DiskLayout layout = DiskLayout.read(image);
            if (layout.container() instanceof Container.BlockDevice) {
                throw new ImageException.Refused(image + " is a block device; sparsify punches holes in image files");
            }
            Sparsifier.Result result;
            long before;
            long after;
            try (ImageGuard guard = ImageGuard.acquire(layout.container())) {
                before = Sparsifier.allocatedBytes(layout.container().data());
                result = Sparsifier.punch(layout.container().data(), layout.diskBytes(), (done, total) -> {});
                after = Sparsifier.allocatedBytes(layout.container().data());
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("image", image.toString());
            report.put("gapBytes", result.gapBytes());
            report.put("freeFilesystemBytes", result.freeFilesystemBytes());
            report.put("swapBytes", result.swapBytes());
            report.put("allocatedBytesBefore", before);
            report.put("allocatedBytesAfter", after);
            out.println(
                    json
                            ? new ObjectMapper().writeValueAsString(report)
                            : "sparsified " + image + ": allocated " + ByteSize.human(before) + " -> "
                                    + ByteSize.human(after) + " (checked " + ByteSize.human(result.totalBytes())
                                    + " of unused space)");
            return ExitCode.DONE;
        }
    }
}
