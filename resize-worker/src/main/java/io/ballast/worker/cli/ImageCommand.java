package io.ballast.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.reclaim.ReclaimResult;
import io.ballast.worker.reclaim.Reclaimer;
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
        subcommands = {ImageCommand.Scan.class, ImageCommand.Reclaim.class})
public final class ImageCommand implements Runnable {

    static final int FAILED = 1;
    static final int REFUSED = 2;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new ImageCommand());
        commandLine.setParameterExceptionHandler((exception, arguments) -> {
            exception.getCommandLine().getErr().println("ballast image: " + exception.getMessage());
            // scan's exit codes 2 and 3 speak of alignment (as virt-alignment-scan's do); its errors are 1
            return exception.getCommandLine().getCommandName().equals("scan") ? FAILED : REFUSED;
        });
        return commandLine;
    }

    @Command(
            name = "scan",
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
}
