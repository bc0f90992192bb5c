package io.ballast.contract;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code deploy/grafana}'s dashboard as its Prometheus queries: each panel's title and PromQL, rows' panels included,
 * with what Grafana substitutes before sending one, and the metric names a query selects.
 */
record GrafanaDashboard(List<Query> queries, List<String> variables) {

    /** One query of one panel. */
    record Query(String panel, String refId, String expr) {}

    /** The words of PromQL that are not metric names where they stand outside braces, brackets and strings. */
    private static final Set<String> KEYWORDS = Set.of(
            "and",
            "or",
            "unless",
            "bool",
            "offset",
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "sum",
            "min",
            "max",
            "avg",
            "group",
            "stddev",
            "stdvar",
            "count",
            "count_values",
            "bottomk",
            "topk",
            "quantile",
            "limitk",
            "limit_ratio",
            "inf",
            "nan");

    /** Keywords whose parenthesised list that follows holds label names. */
    private static final Set<String> LABEL_LISTS =
            Set.of("by", "without", "on", "ignoring", "group_left", "group_right");

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)");

    static GrafanaDashboard read(Path file) throws IOException {
        JsonNode dashboard = RestApi.JSON.readTree(Files.readString(file));
        List<Query> queries = new ArrayList<>();
        collect(dashboard.path("panels"), queries);
        List<String> variables = new ArrayList<>();
        dashboard
                .path("templating")
                .path("list")
                .forEach(variable -> variables.add(variable.get("name").asText()));
        return new GrafanaDashboard(List.copyOf(queries), List.copyOf(variables));
    }

    private static void collect(JsonNode panels, List<Query> queries) {
        for (JsonNode panel : panels) {
            collect(panel.path("panels"), queries);
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(
                        panel.get("title").asText(),
                        target.get("refId").asText(),
                        target.get("expr").asText()));
            }
        }
    }

    /**
     * The query as Grafana sends it: {@code $__rate_interval} as {@code rateInterval}, each dashboard variable as
     * its value in {@code values}.
     *
     * @throws IllegalArgumentException for a variable that is neither Grafana's nor given a value
     */
    static String expand(String expr, String rateInterval, Map<String, String> values) {
        Matcher matcher = VARIABLE.matcher(expr);
        StringBuilder expanded = new StringBuilder();
        while (matcher.find()) {
            String name = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
            String value = name.equals("__rate_interval") ? rateInterval : values.get(name);
            if (value == null) {
                throw new IllegalArgumentException("no value for $" + name + " in " + expr);
            }
            matcher.appendReplacement(expanded, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(expanded);
        return expanded.toString();
    }

    /**
     * The metric names {@code expr} selects: the identifiers outside label matchers, ranges and strings that are not
     * a function's or aggregation's name, a keyword, or a label of {@code by (…)} and its kin. A recording rule's
     * name is a metric name here too.
     */
    static Set<String> metricNames(String expr) {
        Set<String> names = new LinkedHashSet<>();
        int i = 0;
        boolean labelList = false;
        while (i < expr.length()) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = expr.indexOf(c, i + 1) + 1;
                if (i == 0) {
                    throw new IllegalArgumentException("unterminated string in " + expr);
                }
            } else if (c == '{' || c == '[') {
                i = skipGroup(expr, i, c, c == '{' ? '}' : ']');
            } else if (c == '(' && labelList) {
                i = skipGroup(expr, i, '(', ')');
                labelList = false;
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int end = i;
                while (end < expr.length() && isNamePart(expr.charAt(end))) {
                    end++;
                }
                String word = expr.substring(i, end);
                int next = end;
                while (next < expr.length() && Character.isWhitespace(expr.charAt(next))) {
                    next++;
                }
                boolean call = next < expr.length() && expr.charAt(next) == '(';
                if (LABEL_LISTS.contains(word)) {
                    labelList = true;
                } else if (!call && !KEYWORDS.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                    names.add(word);
                }
                i = end;
            } else if (Character.isDigit(c) || c == '.') {
                while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '.')) {
                    i++;
                }
            } else {
                i++;
            }
        }
        return names;
    }

    /**
     * The metrics {@code names} stand for once every recording rule among them is replaced by the metrics of its
     * query ({@code recorded}: rule name to query), rules of rules included.
     */
    static Set<String> underlyingMetrics(Set<String> names, Map<String, String> recorded) {
        Set<String> metrics = new LinkedHashSet<>();
        Set<String> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<String> left = new java.util.ArrayDeque<>(names);
        while (!left.isEmpty()) {
            String name = left.pop();
            if (!seen.add(name)) {
                continue;
            }
            if (recorded.containsKey(name)) {
                left.addAll(metricNames(recorded.get(name)));
            } else {
                metrics.add(name);
            }
        }
        return metrics;
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }

    /** The index after the group that opens at {@code start}, strings inside it skipped whole. */
    private static int skipGroup(String expr, int start, char open, char close) {
        int depth = 0;
        for (int i = start; i < expr.length(); i++) {
            char c = expr.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = expr.indexOf(c, i + 1);
                if (i < 0) {
                    break;
                }
            } else if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("unbalanced " + open + " in " + expr);
    }
}
