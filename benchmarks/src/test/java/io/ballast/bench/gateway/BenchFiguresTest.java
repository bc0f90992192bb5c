package io.ballast.bench.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.bench.Machine;
import io.ballast.bench.Reports;
import io.ballast.bench.Stats;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BenchFiguresTest {

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = new long[100];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1;
        }
        assertThat(Stats.percentile(sorted, 0.50)).isEqualTo(50);
        assertThat(Stats.percentile(sorted, 0.99)).isEqualTo(99);
        assertThat(Stats.percentile(sorted, 1.0)).isEqualTo(100);
        assertThat(Stats.percentile(new long[] {7}, 0.99)).isEqualTo(7);
        assertThat(Stats.percentile(new long[0], 0.99)).isZero();
        assertThat(Stats.percentile(Stats.sorted(new long[] {30, 10, 20}), 1.0))
                .as("the largest")
                .isEqualTo(30);
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

        assertThat(deliveries.latencies()).containsExactly(3_000_000);
        assertThat(deliveries.superseded()).isEqualTo(1);
    }

    @Test
    void theProbeSumsByLabelFragmentsAndSkipsTheNoMaximumMarker() {
        // Parsing is PrometheusText's (tested in test-support); the probe adds label fragments and drops -1.
        String scrape = """
                jvm_memory_max_bytes{area="heap",id="eden"} -1.0
                jvm_memory_max_bytes{area="heap",id="old"} 1.073741824E9
                jvm_memory_max_bytes{area="nonheap",id="metaspace"} 2.0E8
                """;

        assertThat(GatewayProbe.sum(scrape, "jvm_memory_max_bytes", "area=\"heap\""))
                .hasValue(1.073741824e9);
        assertThat(GatewayProbe.sum(scrape, "jvm_memory_max_bytes")).hasValue(1.273741824e9);
        assertThat(GatewayProbe.sum(scrape, "jvm_memory_max_bytes", "id=\"eden\""))
                .isEmpty();
        assertThatThrownBy(() -> GatewayProbe.sum(scrape, "jvm_memory_max_bytes", "heap"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label 'heap' is not name=\"value\"");
    }

    @Test
    void pairedRatiosAreTheMedianOfEachRoundsRatio() {
        // a slow second round slows both sides: paired, it is one round like the others
        assertThat(Stats.pairedRatio(List.of(100, 400, 110), List.of(50, 200, 50)))
                .isEqualTo(2.0);
        assertThat(Stats.median(List.of(3, 1, 2))).isEqualTo(2.0);
        assertThat(Stats.median(List.of(4, 1, 2, 3))).isEqualTo(2.5);
        assertThatThrownBy(() -> Stats.pairedRatio(List.of(1), List.of(1, 2)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aReportIsOneJsonObjectWithItsMachine() throws Exception {
        var figures = new GatewayBench.Figures(
                Machine.here(),
                20,
                20,
                20,
                1.5,
                0,
                100,
                3,
                300,
                99.5,
                290,
                10,
                0,
                0,
                1.2,
                4.5,
                9.9,
                OptionalDouble.of(2.5),
                OptionalDouble.empty(),
                OptionalDouble.of(1 << 30),
                OptionalLong.of(1 << 29),
                new CpuUse(
                        2,
                        OptionalDouble.of(0.4),
                        OptionalDouble.of(0.5),
                        OptionalDouble.of(0.25),
                        OptionalDouble.of(1.25)));

        JsonNode json = new ObjectMapper().readTree(Reports.json(figures));

        assertThat(json.get("machine").get("cpus").asInt())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(json.get("latencyP99Ms").asDouble()).isEqualTo(4.5);
        assertThat(json.get("gatewayDeliveryP99Ms").asDouble()).isEqualTo(2.5);
        assertThat(json.get("gatewayHeapAfterGcBytes").isNull()).isTrue();
        assertThat(json.get("latencyGoalMet").asBoolean()).isFalse();
        assertThat(json.get("cpu").get("gatewayCores").asDouble()).isEqualTo(0.5);
        assertThat(json.get("cpu").get("othersCores").asDouble()).isCloseTo(0.1, within(1e-9));
        assertThat(figures.text())
                .contains("p99 4.5 ms")
                .contains("no GC")
                .contains("broker 0.40, gateway 0.50, agents and publisher (this JVM) 0.25 of 2 cores")
                .contains("machine busy 1.25 (others 0.10)");
    }

    @Test
    void theCpuMeterCountsWhatAJvmSpentOverTheInterval() {
        long self = ProcessHandle.current().pid();
        CpuMeter meter = new CpuMeter(self, self);

        meter.start();
        long until = System.nanoTime() + 300_000_000L;
        long spin = 0;
        while (System.nanoTime() < until) {
            spin++;
        }
        meter.stop();
        CpuUse use = meter.use();

        assertThat(spin).isPositive();
        assertThat(use.agentsCores().orElseThrow())
                .as("one thread spinning for the whole interval")
                .isGreaterThan(0.5);
        // The same process measured twice, its counters read one after the other at start and at stop: equal but for
        // what its own threads (JIT compiler, GC) ran between the two reads.
        assertThat(use.gatewayCores().orElseThrow()).isCloseTo(use.agentsCores().orElseThrow(), within(0.1));
        assertThat(use.machineBusyCores().orElseThrow()).isGreaterThan(0.5).isLessThanOrEqualTo(use.cpus() + 0.01);
    }
}
