package io.ballast.testsupport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A scrape in the Prometheus text exposition format ({@code /q/metrics}), parsed into samples: the one parser the
 * tests and benchmarks read metrics with. {@code # HELP}, {@code # TYPE} and other comments are skipped; label values
 * may hold escaped quotes, backslashes and newlines; values may be {@code NaN}, {@code +Inf} or {@code -Inf}, and a
 * timestamp after the value is ignored.
 */
public final class PrometheusText {

    /** One sample: a series name, its labels in the order given, and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {

        public Sample {
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }

        /** Whether this sample is of {@code name} and carries every one of {@code labels} (it may carry more). */
        public boolean matches(String name, Map<String, String> labels) {
            return this.name.equals(name)
                    && labels.entrySet().stream()
                            .allMatch(label -> label.getValue().equals(this.labels.get(label.getKey())));
        }
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    /**
     * Parses a whole scrape.
     *
     * @throws IllegalArgumentException naming the line (number and text) that is not a comment, blank or a sample
     */
    public static PrometheusText parse(String scrape) {
        List<Sample> samples = new ArrayList<>();
        String[] lines = scrape.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                samples.add(new LineReader(line).sample());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "line " + (i + 1) + " of the scrape is not a sample (" + e.getMessage() + "): " + line, e);
            }
        }
        return new PrometheusText(samples);
    }

    /** Every sample, in scrape order. */
    public List<Sample> samples() {
        return samples;
    }

    /** The samples of {@code name} carrying every one of {@code labels}, in scrape order. */
    public List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(sample -> sample.matches(name, labels)).toList();
    }

    /** The value of the first sample of {@code name} carrying every one of {@code labels}, if there is one. */
    public OptionalDouble value(String name, Map<String, String> labels) {
        return find(name, labels).stream().mapToDouble(Sample::value).findFirst();
    }

    /** The value of the first sample of {@code name} carrying {@code labels}, or 0 when the series is not there yet. */
    public double valueOrZero(String name, Map<String, String> labels) {
        return value(name, labels).orElse(0);
    }

    /** The sum of the samples of {@code name} carrying every one of {@code labels}; empty when none matched. */
    public OptionalDouble sum(String name, Map<String, String> labels) {
        List<Sample> found = find(name, labels);
        return found.isEmpty()
                ? OptionalDouble.empty()
                : OptionalDouble.of(found.stream().mapToDouble(Sample::value).sum());
    }

    /** Reads one sample line: {@code name{label="value",...} value [timestamp]}. */
    private static final class LineReader {

        private final String line;
        private int position;

        LineReader(String line) {
            this.line = line;
        }

        Sample sample() {
            String name = name();
            Map<String, String> labels = new LinkedHashMap<>();
            if (position < line.length() && line.charAt(position) == '{') {
                position++;
                labels(labels);
            }
            String[] rest = line.substring(position).strip().split("\\s+");
            if (rest.length < 1 || rest.length > 2 || rest[0].isEmpty()) {
                throw new IllegalArgumentException("expected a value and an optional timestamp");
            }
            return new Sample(name, labels, value(rest[0]));
        }

        private String name() {
            int start = position;
            while (position < line.length() && isNameCharacter(line.charAt(position), position == start)) {
                position++;
            }
            if (position == start) {
                throw new IllegalArgumentException("no metric name");
            }
            return line.substring(start, position);
        }

        private void labels(Map<String, String> labels) {
            while (true) {
                skipSpaces();
                if (peek() == '}') {
                    position++;
                    return;
                }
                String label = name();
                skipSpaces();
                expect('=');
                skipSpaces();
                expect('"');
                labels.put(label, quoted());
                skipSpaces();
                if (peek() == ',') {
                    position++;
                } else if (peek() != '}') {
                    throw new IllegalArgumentException("expected ',' or '}' after label " + label);
                }
            }
        }

        /** A label value up to its closing quote, with {@code \"}, {@code \\} and {@code \n} unescaped. */
        private String quoted() {
            StringBuilder value = new StringBuilder();
            while (true) {
                char c = next();
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    char escaped = next();
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
            }
        }

        private static double value(String text) {
            return switch (text) {
                case "NaN" -> Double.NaN;
                case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> {
                    try {
                        yield Double.parseDouble(text);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("value '" + text + "' is not a number");
                    }
                }
            };
        }

        private static boolean isNameCharacter(char c, boolean first) {
            return c == '_'
                    || c == ':'
                    || (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (!first && c >= '0' && c <= '9');
        }

        private void skipSpaces() {
            while (position < line.length() && Character.isWhitespace(line.charAt(position))) {
                position++;
            }
        }

        private char peek() {
            if (position >= line.length()) {
                throw new IllegalArgumentException("the labels are not closed");
            }
            return line.charAt(position);
        }

        private char next() {
            char c = peek();
            position++;
            return c;
        }

        private void expect(char expected) {
            if (next() != expected) {
                throw new IllegalArgumentException("expected '" + expected + "' at column " + position);
            }
        }
    }
}
