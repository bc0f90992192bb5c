package io.ballast.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.local.launch.Commands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HTTP GETs at a fixed rate, sent and timed by {@code wrk} (Debian's package, which has no rate option of its own) with
 * the Lua script {@code paced.lua}: each wrk thread keeps a schedule of sends at its share of the rate, and each
 * connection whose answer is in waits for the next slot of it ({@code delay()}), so the rate holds as long as a
 * connection is free when a slot comes. A slot that finds every connection busy leaves late; wrk's latency of that
 * request starts only when it leaves, so the script counts late sends ({@link Run#lateSends}) and how late the latest
 * was: with none, the latencies are those of requests sent on schedule. The requests walk through a list of paths in
 * turn (pages of a list, say). Latencies are wrk's: from the request's first byte written to the answer's last byte
 * read, in a histogram of microseconds.
 */
public final class PacedWrk {

    /** The tool, and the Debian package that has it. */
    public static final String TOOL = "wrk";

    /** Requests that take longer count as wrk's timeouts and are left out of its latencies. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private static final String SCRIPT = "paced.lua";
    private static final String FIGURES_LINE = "paced-wrk ";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;

    /**
     * Runs wrk with its script and request lists in {@code directory}.
     *
     * @throws IllegalStateException when wrk is not installed
     */
    public PacedWrk(Path directory) {
        if (!Commands.missing(TOOL).isEmpty()) {
            throw new IllegalStateException("needs wrk, which is not installed (Debian: apt-get install wrk)");
        }
        this.directory = directory;
        try (InputStream script = PacedWrk.class.getResourceAsStream(SCRIPT)) {
            if (script == null) {
                throw new IllegalStateException(SCRIPT + " is missing from the benchmarks' jar");
            }
            Files.copy(script, directory.resolve(SCRIPT), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + SCRIPT + " to " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * How to load a server.
     *
     * @param server {@code http://127.0.0.1:PORT}
     * @param paths the paths and queries of the GETs, sent in turn
     * @param headers each {@code Name: value}, sent with every request
     * @param rate requests a second, all threads together
     * @param connections how many requests may be out at once, shared out over the threads
     */
    public record Load(
            URI server, List<String> paths, List<String> headers, double rate, int connections, int threads) {

        public Load {
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("a load needs at least one path");
            }
            if (threads < 1 || connections < threads) {
                throw new IllegalArgumentException("a load needs a thread and at least a connection a thread, not "
                        + threads + " threads and " + connections + " connections");
            }
        }
    }

    /**
     * The figures of one run, as wrk's script reports them; times in milliseconds.
     *
     * @param requests answers read (requests still out when the run ended are not counted)
     * @param seconds the run's length as wrk measured it
     * @param rate {@code requests / seconds}: the rate achieved
     * @param socketErrors connections that could not be made, reads and writes that failed
     * @param statusErrors answers with a status of 400 or more (wrk counts nothing else as an error)
     * @param timeouts requests not answered within {@link #REQUEST_TIMEOUT}
     * @param lateSends requests that left at least 1 ms after their slot, every connection having been busy then
     * @param latestMs how late the latest of them left
     */
    public record Run(
            long requests,
            double seconds,
            double rate,
            double p50Ms,
            double p90Ms,
            double p99Ms,
            double p999Ms,
            double maxMs,
            double meanMs,
            long socketErrors,
            long statusErrors,
            long timeouts,
            long lateSends,
            double latestMs) {

        /** Every kind of failed request together. */
        public long errors() {
            return socketErrors + statusErrors + timeouts;
        }
    }

    /**
     * Sends {@code load} for {@code duration} and reads the figures.
     *
     * @throws IllegalStateException when wrk fails or prints no figures
     */
    public Run run(Load load, Duration duration, String name) {
        Path paths = directory.resolve(name + ".paths");
        try {
            Files.write(paths, load.paths());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + paths + ": " + e.getMessage(), e);
        }
        List<String> command = new ArrayList<>(List.of(
                TOOL,
                "--threads",
                Integer.toString(load.threads()),
                "--connections",
                Integer.toString(load.connections()),
                "--duration",
                duration.toSeconds() + "s",
                "--timeout",
                REQUEST_TIMEOUT.toSeconds() + "s",
                "--script",
                directory.resolve(SCRIPT).toString()));
        for (String header : load.headers()) {
            command.add("--header");
            command.add(header);
        }
        command.add(load.server().toString());
        command.add("--");
        command.add(String.format(Locale.ROOT, "%.6f", load.rate() / load.threads()));
        command.add(paths.toString());
        String out = Commands.run(duration.plusMinutes(1), command.toArray(String[]::new));
        return figures(out);
    }

    /** The figures of wrk's standard output: its script's {@code paced-wrk {...}} line. */
    static Run figures(String wrkOutput) {
        String line = wrkOutput
                .lines()
                .filter(each -> each.startsWith(FIGURES_LINE))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("wrk printed no figures:\n" + wrkOutput));
        JsonNode json;
        try {
            json = JSON.readTree(line.substring(FIGURES_LINE.length()));
        } catch (IOException e) {
            throw new IllegalStateException("wrk's figures are not JSON: " + line, e);
        }
        long requests = json.get("requests").asLong();
        double seconds = json.get("durationUs").asDouble() / 1e6;
        return new Run(
                requests,
                seconds,
                seconds > 0 ? requests / seconds : 0,
                millis(json, "p50Us"),
                millis(json, "p90Us"),
                millis(json, "p99Us"),
                millis(json, "p999Us"),
                millis(json, "maxUs"),
                millis(json, "meanUs"),
                json.get("connectErrors").asLong()
                        + json.get("readErrors").asLong()
                        + json.get("writeErrors").asLong(),
                json.get("statusErrors").asLong(),
                json.get("timeouts").asLong(),
                json.get("lateSends").asLong(),
                json.get("latestMs").asDouble());
    }

    private static double millis(JsonNode json, String micros) {
        return json.get(micros).asDouble() / 1000;
    }
}
