package io.ballast.bench.agent;

import io.ballast.agent.ballast.Ballasts;
import io.ballast.bench.Benchmark;
import io.ballast.bench.Machine;
import io.ballast.bench.Report;
import io.ballast.bench.Rounds;
import io.ballast.bench.ScratchFilesystem;
import io.ballast.bench.Stats;
import io.ballast.cli.ByteSize;
import io.ballast.cli.ByteSizeConverter;
import io.ballast.local.launch.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench agent}: how long inflating a ballast takes through the agent's own code, against
 * {@code fallocate(1)} allocating the same size on the same filesystem in the same run. Each round deflates to zero
 * first, so every inflate allocates the whole size.
 */
@Command(name = "agent", description = "Inflating a ballast on a mounted filesystem, against fallocate(1).")
public final class InflateBench extends Benchmark {

    static final double GOAL_MS = 1000;

    /** Room beside the ballast on the scratch filesystem: 12 GiB for the documented 10 GiB. */
    private static final long SPARE_BYTES = 2L << 30;

    @Option(
            names = "--mount",
            paramLabel = "DIR",
            description = "A mounted filesystem to use (default: a fresh ext4 on a loop device, 2 GiB more than the"
                    + " ballast; needs root).")
    Optional<Path> mount;

    @Option(
            names = "--size",
            paramLabel = "SIZE",
            defaultValue = "10G",
            converter = ByteSizeConverter.class,
            description = "Ballast size (default: ${DEFAULT-VALUE}).")
    long sizeBytes;

    @Mixin
    Rounds rounds = new Rounds(5, 1000);

    /** The figures of one run; times in milliseconds. */
    public record Figures(
            Machine machine,
            long sizeBytes,
            int runs,
            double inflateMedianMs,
            double inflateMaxMs,
            double fallocateCommandMedianMs,
            double ratioToFallocate,
            boolean goalMet)
            implements Report {

        @Override
        public String text() {
            return String.format(
                    Locale.ROOT,
                    "inflate %s ballast: median %.1f ms over %d runs (max %.1f ms); fallocate(1) of the same size:"
                            + " %.1f ms; paired ratio %.2f; goal under %.0f ms: %s",
                    ByteSize.format(sizeBytes),
                    inflateMedianMs,
                    runs,
                    inflateMaxMs,
                    fallocateCommandMedianMs,
                    ratioToFallocate,
                    GOAL_MS,
                    goalMet ? "met" : "NOT met");
        }
    }

    @Override
    protected Report measure() throws Exception {
        int runs = rounds.count();
        List<Long> ours = new ArrayList<>();
        List<Long> reference = new ArrayList<>();
        if (mount.isPresent()) {
            if (!Files.isDirectory(mount.get())) {
                throw new IllegalArgumentException("--mount " + mount.get() + " is not a directory");
            }
            inflateAndAllocate(mount.get(), runs, ours, reference);
        } else {
            try (ScratchFilesystem filesystem = ScratchFilesystem.create(sizeBytes + SPARE_BYTES)) {
                inflateAndAllocate(filesystem.mount(), runs, ours, reference);
            }
        }
        double inflateMs = Stats.millis(Stats.median(ours));
        return new Figures(
                Machine.here(),
                sizeBytes,
                runs,
                inflateMs,
                Stats.millis(ours.stream().mapToLong(Long::longValue).max().orElse(0)),
                Stats.millis(Stats.median(reference)),
                Stats.pairedRatio(ours, reference),
                inflateMs < GOAL_MS);
    }

    /** Each round: deflate, time an inflate through the agent's code, then fallocate(1) of the same size. */
    private void inflateAndAllocate(Path filesystem, int runs, List<Long> ours, List<Long> reference) throws Exception {
        Ballasts ballasts = Ballasts.ofThisSystem();
        Path baseline = filesystem.resolve(".bench-fallocate");
        try {
            for (int run = 0; run < runs; run++) {
                ballasts.set(filesystem, 0);
                long start = System.nanoTime();
                ballasts.set(filesystem, sizeBytes);
                ours.add(System.nanoTime() - start);
                ballasts.set(filesystem, 0);

                start = System.nanoTime();
                Commands.run("fallocate", "-l", Long.toString(sizeBytes), baseline.toString());
                reference.add(System.nanoTime() - start);
                Files.delete(baseline);
            }
        } finally {
            Files.deleteIfExists(baseline);
        }
    }
}
