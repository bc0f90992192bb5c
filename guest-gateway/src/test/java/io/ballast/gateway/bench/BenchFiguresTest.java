package io.ballast.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchFiguresTest {

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = new long[100];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }
        assertThat(Deliveries.percentile(sorted, 0.50)).isEqualTo(50);
        assertThat(Deliveries.percentile(sorted, 0.99)).isEqualTo(99);
        assertThat(Deliveries.percentile(sorted, 1.0)).isEqualTo(100);
        assertThat(Deliveries.percentile(new long[] {7}, 0.99)).isEqualTo(7);
        assertThat(Deliveries.percentile(new long[0], 0.99)).isZero();
    }

    @Test
    void onlyCommandsPublishedInsideTheWindowAreCounted() throws Exception {
        Deliveries deliveries = new Deliveries();
        long before = System.nanoTime();
        deliveries.delivered(before, before + 5);
        deliveries.startWindow();
        long inside = System.nanoTime();
        deliveries.delivered(inside, inside + 3_000_000);
        deliveries.superseded(inside);
        deliveries.endWindow();
        long after = System.nanoTime();
        deliveries.delivered(after, after + 9);
        deliveries.superseded(after);

        assertThat(deliveries.sortedLatencies()).containsExactly(3_000_000);
        assertThat(deliveries.superseded()).isEqualTo(1);
    }

    @Test
    void prometheusSamplesAreSummedByNameAndLabels() {
        String scrape = """
                # HELP jvm_memory_used_bytes The amount of used memory
                # TYPE jvm_memory_used_bytes gauge
                jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 1.0E7
                jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 3.0E7
                jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 5.0E7
                jvm_memory_used_bytes_other{area="heap"} 1.0
                jvm_memory_max_bytes{area="heap",id="G1 Eden Space"} -1.0
                jvm_memory_max_bytes{area="heap",id="G1 Old Gen"} 1.073741824E9
                ballast_gateway_agents_connected 10000.0
                """;

        assertThat(GatewayProbe.sum(scrape, "jvm_memory_used_bytes", "area=\"heap\""))
                .hasValue(4.0e7);
        assertThat(GatewayProbe.sum(scrape, "jvm_memory_max_bytes", "area=\"heap\""))
                .hasValue(1.073741824e9);
        assertThat(GatewayProbe.sum(scrape, "ballast_gateway_agents_connected")).hasValue(10_000);
        assertThat(GatewayProbe.sum(scrape, "ballast_gateway_commands_pending")).isEmpty();
    }

    @Test
    void durationsTakeMillisecondsSecondsAndMinutes() {
        GatewayBench.DurationConverter converter = new GatewayBench.DurationConverter();
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(converter.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThatThrownBy(() -> converter.convert("30"))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("'30' is not a duration");
        assertThatThrownBy(() -> converter.convert("-1s")).isInstanceOf(CommandLine.TypeConversionException.class);
    }
}
