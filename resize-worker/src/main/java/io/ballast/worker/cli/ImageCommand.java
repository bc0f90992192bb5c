package io.ballast.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.cli.ByteSize;
import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.Containers;
import io.ballast.worker.image.DiskLayout;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.plan.LayoutPlanner;
import io.ballast.worker.reclaim.ReclaimResult;
import io.ballast.worker.reclaim.Reclaimer;
import io.ballast.worker.resize.ImageGuard;
import io.ballast.worker.resize.ImageResize;
import io.ballast.worker.resize.ResizeJournal;
import io.ballast.worker.resize.ResizeOptions;
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
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./ballast image ...}: the worker's disk-image operations on the command line. Exit codes: 0 done, 1 failed
 * (an I/O error), 2 refused (bad usage, or an image or input Ballast will not work on; nothing changed).
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

    static final int FAILED = ExitCode.FAILED;
    static final int REFUSED = ExitCode.REFUSED;

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
        return Program.of(new ImageCommand()).refusing(ImageException.class);
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
            } catch (ImageException | IOException e) {
                spec.commandLine().getErr().println("ballast image: " + e.getMessage());
                return FAILED;
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
            PrintWriter err = spec.commandLine().getErr();
            List<ByteRange> ranges;
            try {
                ranges = ExtentsInput.parse(readExtents());
            } catch (IllegalArgumentException | IOException e) {
                err.println("ballast image: " + e.getMessage());
                return REFUSED;
            }
            Reclaimer reclaimer = new Reclaimer();
            long rangesBytes = ranges.stream().mapToLong(ByteRange::lengthBytes).sum();
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("image", image.toString());
            try {
                if (check) {
                    long backed = reclaimer.backedInRanges(image, ranges);
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
                return 0;
            } catch (ImageException e) {
                err.println("ballast image: " + e.getMessage());
                return REFUSED;
            } catch (IOException e) {
                err.println("ballast image: " + e.getMessage());
                return FAILED;
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
                "Exit codes: 0 done (or nothing to do), 1 failed (an I/O or tool error; the journal stays), 2 refused"
                        + " (bad usage, an image in use, a plan that does not fit; nothing changed)."
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
        Double freeRatio;

        @Option(
                names = "--align",
                paramLabel = "64k|1m|cylinder|none",
                defaultValue = "1m",
                description = "Where partitions start (default: ${DEFAULT-VALUE}).")
        String align;

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
                description = "Progress on stderr as text or as JSON lines (default: ${DEFAULT-VALUE}).")
        String progress;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ResizeOptions options;
            try {
                if (!progress.equals("human") && !progress.equals("json")) {
                    throw new IllegalArgumentException("--progress is human or json, not '" + progress + "'");
                }
                Map<Integer, Long> targets = new LinkedHashMap<>();
                for (Map.Entry<Integer, String> entry : partitions.entrySet()) {
                    targets.put(entry.getKey(), ByteSize.parse(entry.getValue()));
                }
                options = new ResizeOptions(targets, freeRatio, align, Set.copyOf(noAlign), sparsify, truncate);
                options.request();
            } catch (IllegalArgumentException e) {
                err.println("ballast image: " + e.getMessage());
                return REFUSED;
            }
            try {
                if (dryRun) {
                    ImageResize.Preview preview = ImageResize.preview(image, options);
                    print(out, preview, null);
                    return 0;
                }
                ImageResize.Outcome outcome = ImageResize.run(image, options, new ProgressPrinter(err, progress));
                print(out, outcome.preview(), outcome);
                return 0;
            } catch (ImageException e) {
                err.println("ballast image: " + e.getMessage());
                return REFUSED;
            } catch (IOException e) {
                err.println("ballast image: " + e.getMessage());
                if (Files.exists(ResizeJournal.of(Containers.detect(image).data()))) {
                    err.println("ballast image: the resize is recorded in "
                            + ResizeJournal.of(Containers.detect(image).data())
                            + "; run the same command again to continue it");
                }
                return FAILED;
            }
        }

        private void print(PrintWriter out, ImageResize.Preview preview, ImageResize.Outcome outcome)
                throws IOException {
            if (json) {
                Map<String, Object> report = new LinkedHashMap<>();
                report.put("image", image.toString());
                report.put("dryRun", outcome == null);
                report.put("resumed", outcome != null && outcome.resumed());
                if (preview.layout() != null) {
                    report.put("table", preview.layout().table().scheme().name());
                    report.put("diskBytes", preview.layout().diskBytes());
                }
                report.put("finalDiskBytes", preview.finalDiskBytes());
                List<Map<String, Object>> placed = new ArrayList<>();
                for (LayoutPlanner.Placed p : preview.placed()) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("number", p.number());
                    preview.partitions().stream()
                            .filter(info -> info.partition().number() == p.number())
                            .findFirst()
                            .ifPresent(info ->
                                    entry.put("filesystem", info.filesystem().label()));
                    entry.put("fromStartBytes", p.from().startBytes());
                    entry.put("fromSizeBytes", p.from().lengthBytes());
                    entry.put("toStartBytes", p.to().startBytes());
                    entry.put("toSizeBytes", p.to().lengthBytes());
                    placed.add(entry);
                }
                report.put("partitions", placed);
                report.put("steps", preview.steps().stream().map(Step::describe).toList());
                if (outcome != null) {
                    report.put("stepsRun", outcome.stepsRun());
                    report.put("fileBytesBefore", outcome.fileBytesBefore());
                    report.put("fileBytesAfter", outcome.fileBytesAfter());
                    report.put("allocatedBytesBefore", outcome.allocatedBytesBefore());
                    report.put("allocatedBytesAfter", outcome.allocatedBytesAfter());
                    report.put("movedBytes", outcome.movedDataBytes());
                }
                out.println(new ObjectMapper().writeValueAsString(report));
                return;
            }
            out.println((outcome == null ? "plan for " : "resized ")
                    + image
                    + (outcome != null && outcome.resumed() ? " (continued an interrupted resize)" : ""));
            for (LayoutPlanner.Placed p : preview.placed()) {
                String filesystem = preview.partitions().stream()
                        .filter(info -> info.partition().number() == p.number())
                        .map(info -> ", " + info.filesystem().label())
                        .findFirst()
                        .orElse("");
                out.println("  partition " + p.number() + filesystem + ": start "
                        + p.from().startBytes() + " -> "
                        + p.to().startBytes() + ", size "
                        + ByteSize.human(p.from().lengthBytes()) + " -> "
                        + ByteSize.human(p.to().lengthBytes()));
            }
            if (preview.steps().isEmpty()) {
                out.println("  nothing to do: the layout already is what was asked");
            }
            for (int i = 0; i < preview.steps().size(); i++) {
                out.println("  " + (i + 1) + ". " + preview.steps().get(i).describe());
            }
            if (outcome != null) {
                out.println("  image " + ByteSize.human(outcome.fileBytesBefore()) + " -> "
                        + ByteSize.human(outcome.fileBytesAfter()) + ", allocated "
                        + ByteSize.human(outcome.allocatedBytesBefore()) + " -> "
                        + ByteSize.human(outcome.allocatedBytesAfter()));
            }
        }
    }

    @Command(
            name = "sparsify",
            mixinStandardHelpOptions = true,
            description = {
                "Punch out of an image everything that holds nothing: space outside the partitions, the free blocks"
                        + " of ext filesystems, swap contents. The image keeps its size. Offline: the VM must be"
                        + " stopped.",
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
            PrintWriter err = spec.commandLine().getErr();
            try {
                DiskLayout layout = DiskLayout.read(image);
                if (layout.container() instanceof Container.BlockDevice) {
                    throw new ImageException(image + " is a block device; sparsify punches holes in image files");
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
                return 0;
            } catch (ImageException e) {
                err.println("ballast image: " + e.getMessage());
                return REFUSED;
            } catch (IOException e) {
                err.println("ballast image: " + e.getMessage());
                return FAILED;
            }
        }
    }
}
