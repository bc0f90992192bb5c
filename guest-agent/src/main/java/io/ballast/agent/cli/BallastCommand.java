package io.ballast.agent.cli;

import io.ballast.agent.ballast.BallastException;
import io.ballast.agent.ballast.BallastReport;
import io.ballast.agent.ballast.Ballasts;
import io.ballast.agent.ballast.Extent;
import io.ballast.agent.ballast.ExtentMap;
import io.ballast.agent.ballast.FilesystemUsage;
import io.ballast.agent.device.DiskLocation;
import io.ballast.cli.ByteSize;
import io.ballast.cli.ByteSizeConverter;
import io.ballast.cli.ExitCode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ballast agent ballast set|show}: the ballast of one filesystem, by hand. */
@Command(
        name = "ballast",
        mixinStandardHelpOptions = true,
        description = "Set or show the ballast (regulation file) of a mounted filesystem.",
        subcommands = {BallastCommand.Set.class, BallastCommand.Show.class, BallastCommand.Discard.class})
final class BallastCommand {

    abstract static class Operation implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--mount", required = true, paramLabel = "DIR", description = "Mount point of the filesystem.")
        Path mount;

        @Option(names = "--json", description = "Print one JSON object instead of text.")
        boolean json;

        abstract BallastReport run(Ballasts ballasts) throws BallastException;

        @Override
        public Integer call() throws BallastException {
            BallastReport report = run(Ballasts.ofThisSystem());
            spec.commandLine().getOut().println(json ? Json.write(asMap(report)) : asText(report));
            return ExitCode.DONE;
        }
    }

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = "Set the ballast to SIZE (fallocate/ftruncate).")
    static final class Set extends Operation {

        @Option(
                names = "--size",
                required = true,
                paramLabel = "SIZE",
                converter = ByteSizeConverter.class,
                description = "Bytes, or a number with K, M, G or T (binary), e.g. 64M.")
        long sizeBytes;

        @Override
        BallastReport run(Ballasts ballasts) throws BallastException {
            return ballasts.set(mount, sizeBytes);
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show the ballast and where its blocks are.")
    static final class Show extends Operation {
        @Override
        BallastReport run(Ballasts ballasts) throws BallastException {
            return ballasts.show(mount);
        }
    }

    @Command(
            name = "discard",
            mixinStandardHelpOptions = true,
            description = "Discard the ballast's blocks on its block device (BLKDISCARD), for hosts that cannot punch.")
    static final class Discard implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--mount", required = true, paramLabel = "DIR", description = "Mount point of the filesystem.")
        Path mount;

        @Override
        public Integer call() throws BallastException {
            long bytes = Ballasts.ofThisSystem().discard(mount, Path.of("/dev"));
            spec.commandLine().getOut().println("discarded " + bytes + " bytes of the ballast of " + mount);
            return ExitCode.DONE;
        }
    }

    static Map<String, Object> asMap(BallastReport report) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("path", report.path().toString());
        map.put("exists", report.exists());
        map.put("sizeBytes", report.sizeBytes());
        map.put("allocatedBytes", report.allocatedBytes());
        map.put("device", report.device());
        map.put("diskId", report.disk().map(DiskLocation.Mapped::diskId).orElse(null));
        map.put(
                "partitionStartBytes",
                report.disk().map(DiskLocation.Mapped::partitionStartBytes).orElse(null));
        switch (report.extents()) {
            case ExtentMap.Mapped mapped ->
                map.put(
                        "extents",
                        mapped.extents().stream().map(BallastCommand::asMap).toList());
            case ExtentMap.Unavailable unavailable -> {
                map.put("extents", List.of());
                map.put("extentsUnavailable", unavailable.reason());
            }
        }
        FilesystemUsage filesystem = report.filesystem();
        Map<String, Object> fs = new LinkedHashMap<>();
        fs.put("mountPoint", filesystem.mountPoint());
        fs.put("type", filesystem.type());
        fs.put("totalBytes", filesystem.totalBytes());
        fs.put("utilizedBytes", filesystem.utilizedBytes());
        fs.put("freeBytes", filesystem.freeBytes());
        fs.put("availableBytes", filesystem.availableBytes());
        fs.put("ballastBytes", filesystem.ballastBytes());
        map.put("filesystem", fs);
        return map;
    }

    private static Map<String, Object> asMap(Extent extent) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("diskOffsetBytes", extent.diskOffsetBytes());
        map.put("lengthBytes", extent.lengthBytes());
        return map;
    }

    static String asText(BallastReport report) {
        StringBuilder text = new StringBuilder();
        text.append("ballast     ").append(report.path());
        if (!report.exists()) {
            text.append(" (none)");
        }
        text.append('\n');
        text.append("size        ")
                .append(ByteSize.format(report.sizeBytes()))
                .append(", allocated ")
                .append(ByteSize.format(report.allocatedBytes()))
                .append('\n');
        text.append("device      ").append(report.device());
        report.disk().ifPresent(disk -> text.append(" on disk ")
                .append(disk.diskId())
                .append(" at byte ")
                .append(disk.partitionStartBytes()));
        text.append('\n');
        switch (report.extents()) {
            case ExtentMap.Mapped mapped -> {
                text.append("extents     ")
                        .append(mapped.extents().size())
                        .append(" on the disk, ")
                        .append(ByteSize.format(mapped.totalBytes()))
                        .append('\n');
                for (Extent extent : mapped.extents()) {
                    text.append("            ")
                            .append(extent.diskOffsetBytes())
                            .append(" +")
                            .append(extent.lengthBytes())
                            .append('\n');
                }
            }
            case ExtentMap.Unavailable unavailable ->
                text.append("extents     unavailable: ")
                        .append(unavailable.reason())
                        .append('\n');
        }
        FilesystemUsage fs = report.filesystem();
        text.append("filesystem  ")
                .append(fs.mountPoint())
                .append(' ')
                .append(fs.type())
                .append(": total ")
                .append(ByteSize.format(fs.totalBytes()))
                .append(", utilized ")
                .append(ByteSize.format(fs.utilizedBytes()))
                .append(", free ")
                .append(ByteSize.format(fs.freeBytes()))
                .append(", ballast ")
                .append(ByteSize.format(fs.ballastBytes()));
        return text.toString();
    }
}
