package io.ballast.bench.gateway;

import io.ballast.bench.ProcFiles;
import io.ballast.local.launch.Commands;
import io.ballast.local.launch.Launcher;
import io.ballast.testsupport.PrometheusText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's own figures: its Prometheus metrics ({@code /q/metrics}) and, when it runs on this machine, its
 * resident memory and a full collection before the heap is read ({@code jcmd PID GC.run}).
 */
final class GatewayProbe {

    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"(.*)\"");

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
        Map<String, String> wanted = new LinkedHashMap<>();
        for (String label : labels) {
            Matcher matcher = LABEL.matcher(label);
            if (!matcher.matches()) {
                throw new IllegalArgumentException("label '" + label + "' is not name=\"value\"");
            }
            wanted.put(matcher.group(1), matcher.group(2));
        }
        List<Double> values = PrometheusText.parse(scrape).find(name, wanted).stream()
                .map(PrometheusText.Sample::value)
                .filter(value -> value >= 0)
                .toList();
        return values.isEmpty()
                ? OptionalDouble.empty()
                : OptionalDouble.of(
                        values.stream().mapToDouble(Double::doubleValue).sum());
    }

    /** Asks the gateway's JVM for a full collection, so the heap read next is what its sessions keep alive. */
    boolean collectGarbage() {
        if (pid.isEmpty()) {
            return false;
        }
        Path jcmd = Launcher.java().resolveSibling("jcmd");
        try {
            Commands.run(Duration.ofSeconds(60), jcmd.toString(), Long.toString(pid.getAsLong()), "GC.run");
            return true;
        } catch (IllegalStateException notCollected) {
            // jcmd failed or took too long: the heap is then reported as unknown rather than before a collection
            return false;
        }
    }

    /** The gateway process's resident set, from {@code /proc/PID/status}. */
    OptionalLong residentBytes() throws IOException {
        if (pid.isEmpty()) {
            return OptionalLong.empty();
        }
        OptionalLong kib = ProcFiles.residentKiB(pid.getAsLong());
        return kib.isPresent() ? OptionalLong.of(kib.getAsLong() * 1024) : OptionalLong.empty();
    }
}
