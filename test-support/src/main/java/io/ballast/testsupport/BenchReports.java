package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reading what a benchmark leaves behind: the figures of its JSON report, and its working directories. */
public final class BenchReports {

    private BenchReports() {}

    /** A figure of the report: present, and a number. */
    public static double number(JsonNode report, String field) {
        JsonNode value = report.get(field);
        assertThat(value).as("field %s in %s", field, report).isNotNull();
        assertThat(value.isNumber())
                .as("field %s in %s is a number", field, report)
                .isTrue();
        return value.asDouble();
    }

    /** What {@code directory} (the benchmarks' working directory) holds now; nothing when it does not exist. */
    public static List<Path> entries(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.toList();
        }
    }
}
