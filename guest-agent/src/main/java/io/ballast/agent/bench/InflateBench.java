package io.ballast.agent.bench;

import io.ballast.agent.ballast.BallastException;
import io.ballast.agent.ballast.Ballasts;
import io.ballast.linux.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How long inflating a ballast takes, against {@code fallocate(1)} allocating the same size on the same filesystem
 * in the same run. Each round deflates to zero first, so every inflate allocates the whole size.
 *
 * <p>Usage: {@code InflateBench --mount DIR [--size 10G] [--runs 5] [--json]}
 */
public final class InflateBench {

    private InflateBench() {}

    public static void main(String[] args) throws Exception {
        Path mount = null;
        long size = 10L << 30;
        int runs = 5;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mount" -> mount = Path.of(args[++i]);
                case "--size" -> size = ByteSize.parse(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                default -> {
                    System.err.println("bench agent: unknown argument '" + args[i] + "'");
                    System.exit(2);
                }
            }
        }
        if (mount == null || runs < 1) {
            System.err.println("usage: InflateBench --mount DIR [--size 10G] [--runs 5] [--json]");
            System.exit(2);
        }
        Ballasts ballasts = Ballasts.ofThisSystem();
        Path baseline = mount.resolve(".bench-fallocate");
        List<Long> ours = new ArrayList<>();
        List<Long> reference = new ArrayList<>();
        try {
            for (int run = 0; run < runs; run++) {
                ballasts.set(mount, 0);
                long start = System.nanoTime();
                ballasts.set(mount, size);
                ours.add(System.nanoTime() - start);
                ballasts.set(mount, 0);

                start = System.nanoTime();
                fallocate(baseline, size);
                reference.add(System.nanoTime() - start);
                Files.delete(baseline);
            }
        } catch (BallastException e) {
            System.err.println("bench agent: " + e.getMessage());
            System.exit(1);
        } finally {
            Files.deleteIfExists(baseline);
        }
        double oursMs = median(ours) / 1e6;
        double fallocateMs = median(reference) / 1e6;
        if (json) {
            System.out.println(String.format(
                    Locale.ROOT,
                    "{\"sizeBytes\":%d,\"runs\":%d,\"inflateMedianMs\":%.1f,\"inflateMaxMs\":%.1f,"
                            + "\"fallocateCommandMedianMs\":%.1f,\"ratioToFallocate\":%.2f}",
                    size,
                    runs,
                    oursMs,
                    ours.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6,
                    fallocateMs,
                    oursMs / fallocateMs));
        } else {
            System.out.printf(
                    Locale.ROOT,
                    "inflate %s ballast: median %.1f ms over %d runs (fallocate(1) of the same size: %.1f ms; ratio"
                            + " %.2f)%n",
                    ByteSize.format(size),
                    oursMs,
                    runs,
                    fallocateMs,
                    oursMs / fallocateMs);
        }
    }

    private static void fallocate(Path file, long size) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("fallocate", "-l", Long.toString(size), file.toString())
                .inheritIO()
                .start();
        if (process.waitFor() != 0) {
            throw new IOException("fallocate -l " + size + " " + file + " failed");
        }
    }

    private static double median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2.0;
    }
}
