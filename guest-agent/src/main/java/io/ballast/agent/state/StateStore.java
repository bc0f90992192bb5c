package io.ballast.agent.state;

import io.ballast.agent.ballast.Extent;
import io.ballast.agent.ballast.ExtentMap;
import io.ballast.agent.ballast.Outcome;
import io.ballast.linux.DurableFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The agent's memory across restarts: one small file per filesystem in a state directory, written atomically
 * (temporary file, fsync, rename, fsync of the directory) so a crash leaves either the old state or the new one.
 */
public final class StateStore {

    private static final String SUFFIX = ".state";

    private final Path directory;

    public StateStore(Path directory) throws IOException {
        this.directory = Files.createDirectories(directory);
    }

    /** The remembered state of the filesystem mounted at {@code mountPoint}, if any. */
    public Optional<FilesystemState> load(String mountPoint) throws IOException {
        Path file = fileOf(mountPoint);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (Reader reader = new StringReader(Files.readString(file, StandardCharsets.UTF_8))) {
            properties.load(reader);
        }
        try {
            return Optional.of(new FilesystemState(mountPoint, outcome(properties)));
        } catch (RuntimeException e) {
            throw new IOException("state file " + file + " is damaged: " + e.getMessage(), e);
        }
    }

    /** Replaces the remembered state of one filesystem; durable when this returns. */
    public void save(FilesystemState state) throws IOException {
        Properties properties = properties(state);
        StringWriter text = new StringWriter();
        properties.store(text, "ballast agent state of " + state.mountPoint());
        Path file = fileOf(state.mountPoint());
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** One file per mount point; the name is the mount point's hex so any path maps to a plain file name. */
    private Path fileOf(String mountPoint) {
        return directory.resolve(HexFormat.of().formatHex(mountPoint.getBytes(StandardCharsets.UTF_8)) + SUFFIX);
    }

    private static Properties properties(FilesystemState state) {
        Properties properties = new Properties();
        properties.setProperty("mountPoint", state.mountPoint());
        Outcome outcome = state.lastOutcome();
        properties.setProperty("generation", Long.toString(outcome.generation()));
        switch (outcome) {
            case Outcome.Applied applied -> {
                properties.setProperty("outcome", "applied");
                properties.setProperty("actualBytes", Long.toString(applied.actualBytes()));
                properties.setProperty("allocatedBytes", Long.toString(applied.allocatedBytes()));
                properties.setProperty("recreated", Boolean.toString(applied.recreated()));
                switch (applied.extents()) {
                    case ExtentMap.Mapped mapped -> {
                        List<String> ranges = new ArrayList<>();
                        for (Extent extent : mapped.extents()) {
                            ranges.add(extent.diskOffsetBytes() + "+" + extent.lengthBytes());
                        }
                        properties.setProperty("extents", String.join(",", ranges));
                    }
                    case ExtentMap.Unavailable unavailable ->
                        properties.setProperty("extentsUnavailable", unavailable.reason());
                }
            }
            case Outcome.Failed failed -> {
                properties.setProperty("outcome", "failed");
                properties.setProperty("failure", failed.failure().name());
                properties.setProperty("detail", failed.detail());
                properties.setProperty("actualBytes", Long.toString(failed.actualBytes()));
                properties.setProperty("freeBytesSeen", Long.toString(failed.freeBytesSeen()));
            }
            case Outcome.Stale stale -> throw new IllegalArgumentException("a stale outcome is never remembered");
        }
        return properties;
    }

    private static Outcome outcome(Properties properties) {
        long generation = number(properties, "generation");
        String kind = required(properties, "outcome");
        return switch (kind) {
            case "applied" ->
                new Outcome.Applied(
                        generation,
                        number(properties, "actualBytes"),
                        number(properties, "allocatedBytes"),
                        extents(properties),
                        Boolean.parseBoolean(required(properties, "recreated")));
            case "failed" ->
                new Outcome.Failed(
                        generation,
                        Outcome.Failure.valueOf(required(properties, "failure")),
                        required(properties, "detail"),
                        number(properties, "actualBytes"),
                        number(properties, "freeBytesSeen"));
            default -> throw new IllegalArgumentException("outcome '" + kind + "' is unknown");
        };
    }

    private static ExtentMap extents(Properties properties) {
        String unavailable = properties.getProperty("extentsUnavailable");
        if (unavailable != null) {
            return new ExtentMap.Unavailable(unavailable);
        }
        String ranges = required(properties, "extents");
        List<Extent> extents = new ArrayList<>();
        if (!ranges.isEmpty()) {
            for (String range : ranges.split(",")) {
                String[] parts = range.split("\\+");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("extent '" + range + "' is not OFFSET+LENGTH");
                }
                extents.add(new Extent(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
            }
        }
        return new ExtentMap.Mapped(extents);
    }

    private static String required(Properties properties, String key) {
        String value = properties.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("'" + key + "' is missing");
        }
        return value;
    }

    private static long number(Properties properties, String key) {
        String value = required(properties, key);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + key + "' is '" + value + "', not a number");
        }
    }
}
