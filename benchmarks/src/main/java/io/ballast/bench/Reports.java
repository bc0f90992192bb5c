package io.ballast.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** Writes a {@link Report}: its text, or one line of JSON. */
public final class Reports {

    private static final ObjectMapper JSON =
            new ObjectMapper().registerModule(new Jdk8Module()).disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Reports() {}

    /** Prints {@code report} to {@code out}: one JSON object on one line when {@code json}, else its text. */
    public static void print(PrintWriter out, Report report, boolean json) {
        out.println(
                json
                        ? json(report)
                        : report.text() + System.lineSeparator() + "  machine    "
                                + report.machine().describe());
        out.flush();
    }

    /** The report as one line of JSON. */
    public static String json(Report report) {
        try {
            return JSON.writeValueAsString(report);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write the report as JSON: " + e.getMessage(), e);
        }
    }
}
