package io.ballast.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How the dashboard's queries are read: the metric names a PromQL expression selects, and Grafana's variables. */
class GrafanaDashboardTest {

    @Test
    void theMetricNamesOfAQueryLeaveOutFunctionsAggregationsLabelsStringsAndRanges() {
        assertThat(
                        GrafanaDashboard.metricNames(
                                "histogram_quantile(0.99, sum by (le) (rate(ballast_ballast_ack_seconds_bucket[$__rate_interval])))"))
                .containsExactly("ballast_ballast_ack_seconds_bucket");
        assertThat(
                        GrafanaDashboard.metricNames(
                                "sum(rate(a_sum{job=\"x\", le=~\"0.5|1\"}[5m])) / on (job) group_left(instance) sum(rate(a_count[5m]))"))
                .containsExactly("a_sum", "a_count");
        assertThat(GrafanaDashboard.metricNames(
                        "datastore:ballast_datastore_headroom:ratio{datastore=~\"$datastore\"} < 0.05"))
                .containsExactly("datastore:ballast_datastore_headroom:ratio");
        assertThat(GrafanaDashboard.metricNames("sum(increase(v_total[1h])) or vector(0)"))
                .containsExactly("v_total");
        assertThat(GrafanaDashboard.metricNames("max by (quantile) (d{quantile=~\"0.5|0.99\"}) and bool up offset 5m"))
                .containsExactly("d", "up");
    }

    @Test
    void aRecordingRuleStandsForTheMetricsOfItsQueryRulesOfRulesIncluded() {
        Map<String, String> recorded = Map.of(
                "ds:ratio", "ds:headroom:min / (ds:limit:max > 0)",
                "ds:headroom:min", "min by (datastore) (headroom_bytes)",
                "ds:limit:max", "max by (datastore) (limit_bytes)");
        assertThat(GrafanaDashboard.underlyingMetrics(Set.of("ds:ratio", "up"), recorded))
                .containsExactlyInAnyOrder("headroom_bytes", "limit_bytes", "up");
    }

    @Test
    void variablesAreFilledInAsGrafanaSendsThem() {
        assertThat(GrafanaDashboard.expand(
                        "rate(x{d=~\"$datastore\", e=\"${datastore}\"}[$__rate_interval])",
                        "1m",
                        Map.of("datastore", "a")))
                .isEqualTo("rate(x{d=~\"a\", e=\"a\"}[1m])");
        assertThatThrownBy(() -> GrafanaDashboard.expand("x{h=\"$host\"}", "1m", Map.of()))
                .hasMessageContaining("$host");
    }
}
