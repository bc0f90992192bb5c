package io.ballast.contract;

import static io.ballast.testsupport.BenchReports.number;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.BenchReports;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.SystemPrerequisites;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks of {@code docs/benchmarks.md} run through {@code ./ballast bench}, small, so they cannot rot: each
 * starts its own broker and services, measures, prints one JSON object and leaves no process or directory behind.
 */
class BenchmarksTest {

    private static final Path ROOT = Program.ROOT;

    @Test
    void theGatewayRestartBenchTimesAGatewayStartedAfterItsCommandsOnBothTopicPolicies() throws Exception {
        JsonNode json = bench("gateway-restart", "--commands", "20000", "--disks", "2000", "--runs", "1", "--json");

        assertThat(number(json, "commands")).isEqualTo(20000);
        assertThat(number(json, "compactedReadySecondsMedian")).isPositive();
        assertThat(number(json, "byAgeReadySecondsMedian")).isPositive();
        assertThat(number(json, "compactedCommandTopicBytes")).isPositive();
        assertThat(json.get("readyGoalMet").asBoolean())
                .as("the goal is measured after 1,000,000 commands only")
                .isFalse();
    }

    @Test
    void theGatewayBenchDeliversEveryCommandToItsSimulatedAgents() throws Exception {
        JsonNode json =
                bench("gateway", "--agents", "20", "--rate", "100", "--duration", "3s", "--warmup", "2s", "--json");

        assertThat(number(json, "agents")).isEqualTo(20);
        assertThat(number(json, "connected")).isEqualTo(20);
        assertThat(number(json, "gatewayConnected")).isEqualTo(20);
        assertThat(number(json, "sessionsLost")).isZero();
        assertThat(number(json, "published")).isBetween(290.0, 300.0);
        assertThat(number(json, "missing")).isZero();
        assertThat(number(json, "delivered") + number(json, "superseded")).isEqualTo(number(json, "published"));
        assertThat(number(json, "latencyP99Ms")).isPositive();
        assertThat(number(json, "gatewayHeapAfterGcBytes")).isPositive();
        assertThat(number(json, "gatewayHeapMaxBytes")).isLessThanOrEqualTo(1L << 30);
        assertThat(number(json, "gatewayResidentBytes")).isPositive();
    }

    @Test
    void theInventoryBenchDiscoversItsFleetAndReadsItAtTheRate() throws Exception {
        SystemPrerequisites.requireTools("wrk");

        JsonNode json = bench(
                "inventory",
                "--vms",
                "200",
                "--hosts",
                "2",
                "--rate",
                "50",
                "--connections",
                "10",
                "--duration",
                "3s",
                "--warmup",
                "0s",
                "--runs",
                "1",
                "--json");

        assertThat(number(json, "vms")).isEqualTo(200);
        assertThat(number(json, "datastores")).as("100 VMs a datastore").isEqualTo(2);
        assertThat(number(json, "discoverySeconds")).isPositive();
        assertThat(number(json, "usageReports"))
                .as("every running guest reports")
                .isEqualTo(180);
        JsonNode endpoints = json.get("endpoints");
        assertThat(endpoints.size()).isEqualTo(2);
        for (JsonNode endpoint : endpoints) {
            assertThat(number(endpoint, "pages"))
                    .as("pages of 100 through the fleet")
                    .isEqualTo(2);
            assertThat(number(endpoint, "errors")).as("%s", endpoint).isZero();
            assertThat(number(endpoint, "rateMedian"))
                    .as("paced, not as fast as the service answers: %s", endpoint)
                    .isBetween(20.0, 51.0);
            assertThat(number(endpoint, "p99Ms")).isPositive();
            assertThat(endpoint.get("goalMet").isNull())
                    .as("a small fleet at a low rate is not judged against the goal")
                    .isTrue();
        }
    }

    @Test
    void theAgentMemoryBenchComparesTheLauncherFlagsWithTheDefaults() throws Exception {
        SystemPrerequisites.require("sfdisk", "mkfs.ext4", "losetup", "partx");

        JsonNode json = bench("agent-memory", "--runs", "1", "--settle", "3", "--json");

        assertThat(number(json, "launcherRssMedianKiB")).isPositive();
        assertThat(number(json, "launcherRssMedianKiB"))
                .as("the launcher's flags exist to make the daemon smaller than the JVM's defaults")
                .isLessThan(number(json, "defaultsRssMedianKiB"));
    }

    @Test
    void theImageBenchMovesDenseAndSparseRangesAgainstDdAndReAlignsAgainstSfdisk() throws Exception {
        SystemPrerequisites.require("dd", "sfdisk", "losetup", "mkfs.ext4", "e2fsck", "resize2fs");

        JsonNode json = bench(
                "image",
                "--dense-mib",
                "32",
                "--runs",
                "1",
                "--sparse-gib",
                "2",
                "--sparse-data-gib",
                "1",
                "--job-mib",
                "64",
                "--job-data-mib",
                "8",
                "--shrink-disk-mib",
                "256",
                "--shrink-data-mib",
                "16",
                "--shrink-to-mib",
                "64",
                "--json");

        assertThat(number(json, "denseBytes")).isEqualTo(32 << 20);
        assertThat(number(json, "moverDenseMedianMs")).isPositive();
        assertThat(number(json, "ddDenseMedianMs")).isPositive();
        assertThat(number(json, "sparseDataBytes")).isEqualTo(1L << 30);
        assertThat(number(json, "sparseAllocatedBytesAfter"))
                .as("holes stay holes: the moved sparse range holds about its data")
                .isLessThan(1.1 * (1L << 30));
        assertThat(number(json, "resizeJobMs")).isPositive();
        assertThat(number(json, "sfdiskMoveDataMs")).isPositive();
        assertThat(number(json, "resizeAllocatedBytesAfter"))
                .as("the re-aligned partition stays as sparse as it was")
                .isLessThan(12 << 20);
        JsonNode shrink = json.get("shrinkJob");
        assertThat(shrink.isObject())
                .as("the shrink job ran (as root): %s", json)
                .isTrue();
        assertThat(number(shrink, "resizeMedianMs")).isPositive();
        assertThat(number(shrink, "byHandMedianMs")).isPositive();
        assertThat(number(shrink, "pairedRatioToByHand")).isPositive();
        assertThat(shrink.get("resizeStepMillis").size()).as("each step timed").isGreaterThanOrEqualTo(4);
        assertThat(number(shrink, "resizeAllocatedBytesAfter"))
                .as("the resize leaves the image no more allocated than the manual route")
                .isLessThanOrEqualTo(number(shrink, "byHandAllocatedBytesAfter"));
    }

    /** Runs {@code ./ballast bench ARGS} on what this build packaged; returns its report, the last line it printed. */
    private static JsonNode bench(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("env", "BALLAST_BUILD=never"));
        command.addAll(Program.CHECKOUT.ballast("bench"));
        command.addAll(List.of(arguments));
        List<Path> before = benchDirectories();
        // Fails naming the command, its exit code and its standard error when the benchmark does not exit 0.
        String out = Commands.run(command.toArray(String[]::new));
        assertThat(benchDirectories())
                .as("a successful benchmark leaves nothing under .ballast/bench")
                .containsExactlyInAnyOrderElementsOf(before);
        List<String> lines = out.lines().toList();
        assertThat(lines).as("the report of %s", command).isNotEmpty();
        JsonNode report = new ObjectMapper().readTree(lines.getLast());
        assertThat(report.get("machine").get("cpus").asInt())
                .as("every report names its machine")
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        return report;
    }

    private static List<Path> benchDirectories() throws IOException {
        return BenchReports.entries(ROOT.resolve(".ballast/bench"));
    }
}
