package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    private static final String SCRAPE = """
            # HELP jvm_memory_used_bytes The amount of used memory
            # TYPE jvm_memory_used_bytes gauge
            jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.0E7
            jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3.0E7
            jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
            jvm_memory_used_bytes_other{area="heap"} 1.0
            ballast_gateway_agents_connected 10000.0
            ballast_events_skipped_total{reason="corrupt",topic="ballast.ballast.acks.v1",} 2.0 1764672000000
            odd_label{path="C:\\\\disk \\"one\\"\\nnext"} 1
            ballast_gateway_command_delivery_seconds{quantile="0.99"} NaN
            ballast_gateway_command_delivery_seconds_bucket{le="+Inf"} +Inf
            ballast_gateway_command_delivery_seconds_min -Inf
            """;

    @Test
    void samplesAreSummedAndFoundByNameAndLabels() {
        PrometheusText text = PrometheusText.parse(SCRAPE);

        assertThat(text.sum("jvm_memory_used_bytes", Map.of("area", "heap"))).hasValue(4.0e7);
        assertThat(text.sum("jvm_memory_used_bytes", Map.of())).hasValue(9.0e7);
        assertThat(text.find("jvm_memory_used_bytes", Map.of("area", "heap", "id", "G1 Old Gen")))
                .singleElement()
                .satisfies(sample -> assertThat(sample.value()).isEqualTo(3.0e7));
        assertThat(text.value("ballast_gateway_agents_connected", Map.of())).hasValue(10_000);
        assertThat(text.value(
                        "ballast_events_skipped_total",
                        Map.of("topic", "ballast.ballast.acks.v1", "reason", "corrupt")))
                .hasValue(2);
        assertThat(text.sum("ballast_gateway_commands_pending", Map.of())).isEmpty();
        assertThat(text.valueOrZero("ballast_gateway_commands_pending", Map.of()))
                .isZero();
        assertThat(text.samples()).hasSize(10);
    }

    @Test
    void escapedLabelValuesAndSpecialValuesAreRead() {
        PrometheusText text = PrometheusText.parse(SCRAPE);

        assertThat(text.find("odd_label", Map.of()).getFirst().labels())
                .containsExactly(Map.entry("path", "C:\\disk \"one\"\nnext"));
        assertThat(text.value("ballast_gateway_command_delivery_seconds", Map.of("quantile", "0.99"))
                        .orElseThrow())
                .isNaN();
        assertThat(text.value("ballast_gateway_command_delivery_seconds_bucket", Map.of("le", "+Inf")))
                .hasValue(Double.POSITIVE_INFINITY);
        assertThat(text.value("ballast_gateway_command_delivery_seconds_min", Map.of()))
                .hasValue(Double.NEGATIVE_INFINITY);
    }

    @Test
    void aLineThatIsNotASampleIsNamed() {
        assertThatThrownBy(() -> PrometheusText.parse("ok 1\nbroken{area=\"heap\" 2\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 2 of the scrape is not a sample (expected ',' or '}' after label area):"
                        + " broken{area=\"heap\" 2");
        assertThatThrownBy(() -> PrometheusText.parse("ok one"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 1 of the scrape is not a sample (value 'one' is not a number): ok one");
    }
}
