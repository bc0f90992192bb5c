package io.ballast.bench.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's own figures: its Prometheus metrics ({@code /q/metrics}) and, when it runs on this machine, its
 * resident memory and a full collection before the heap is read ({@code jcmd PID GC.run}).
 */
final class GatewayProbe {

    private final URI metrics;
    private final OptionalLong pid;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    GatewayProbe(URI managementBase, OptionalLong pid) {
        this.metrics = managementBase.resolve("/q/metrics");
        this.pid = pid;
    }

    /** The scrape, parsed on demand by {@link #sum}. */
    String scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(metrics + " answered " + response.statusCode());
        }
        return response.body();
    }

    /**
     * The sum of the samples of {@code name} whose labels contain every one of {@code labels} (e.g.
     * {@code area="heap"}), skipping negative values (Prometheus' "no maximum"); empty if no sample matched.
     */
    static OptionalDouble sum(String scrape, String name, String... labels) {
        double total = 0;
        boolean found = false;
        for (String line : scrape.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            String seriesName = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
            if (!seriesName.equals(name)) {
                continue;
            }
            boolean matches = true;
            for (String label : labels) {
                matches &= series.contains(label);
            }
            if (!matches) {
                continue;
            }
            double value = Double.parseDouble(line.substring(space + 1));
            if (value >= 0) {
                total += value;
                found = true;
            }
        }
        return found ? OptionalDouble.of(total) : OptionalDouble.empty();
    }

    /** Asks the gateway's JVM for a full collection, so the heap read next is what its sessions keep alive. */
    boolean collectGarbage() throws IOException, InterruptedException {
        if (pid.isEmpty()) {
            return false;
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid.getAsLong()), "GC.run")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0;
    }

    /** The gateway process's resident set, from {@code /proc/PID/status}. */
    OptionalLong residentBytes() throws IOException {
        if (pid.isEmpty()) {
            return OptionalLong.empty();
        }
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid.getAsLong()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return OptionalLong.of(Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024);
            }
        }
        return OptionalLong.empty();
    }
}
