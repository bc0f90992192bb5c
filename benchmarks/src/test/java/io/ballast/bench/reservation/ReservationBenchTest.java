package io.ballast.bench.reservation;

import static io.ballast.testsupport.BenchReports.number;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.bench.BenchCommand;
import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.local.Checkout;
import io.ballast.testsupport.BenchReports;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code ./ballast bench reservation} run small, as its command line runs it, so it cannot rot: the engine's fleet
 * planned and fed usage reports in this JVM, then the packaged reservation-service on its own PostgreSQL and Kafka
 * asked for growths over REST; one JSON object, and nothing left behind.
 */
class ReservationBenchTest {

    private static final Path BENCHES =
            Checkout.containing(ReservationBench.class).state().resolve("bench");

    @Test
    void theReservationBenchPlansTheFleetDecidesEveryReportAndTimesGrowthsThroughTheService() throws Exception {
        List<Path> before = benchDirectories();

        JsonNode json = bench(
                "reservation",
                "--disks",
                "2000",
                "--datastores",
                "40",
                "--runs",
                "2",
                "--events",
                "2000",
                "--service-disks",
                "20",
                "--service-datastores",
                "2",
                "--growths",
                "60",
                "--growth-warmup",
                "20",
                "--json");

        assertThat(json.get("machine").get("cpus").asInt())
                .as("every report names its machine")
                .isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(number(json, "disks")).isEqualTo(2000);
        assertThat(number(json, "datastores")).isEqualTo(40);
        assertThat(json.get("fullPlanRoundsMs").size()).isEqualTo(2);
        assertThat(number(json, "fullPlanMs")).isPositive();
        assertThat(number(json, "fullPlanPerDatastoreMs")).isPositive();
        assertThat(number(json, "datastorePlanP99Ms")).isPositive();
        assertThat(json.get("fullPlanTrendsEstimatedRoundsMs").size()).isEqualTo(2);
        assertThat(number(json, "fullPlanTrendsEstimatedMs"))
                .as("estimating every trend is the most of a plan's work; a tick's plan, trends known, skips it")
                .isGreaterThan(number(json, "fullPlanMs"));
        assertThat(number(json, "trendEstimateCpuUs")).isPositive();
        assertThat(number(json.get("fullPlanCpu"), "benchCores")).isPositive();
        assertThat(json.get("fullPlanGoalMet").isNull())
                .as("a fleet smaller than the goal's is not judged against it")
                .isTrue();
        assertThat(number(json, "telemetryDatastoreDisks")).isEqualTo(50);
        assertThat(number(json, "telemetryEvents")).isEqualTo(2000);
        assertThat(number(json, "telemetryDecisionsWithCommand"))
                .as("every report moved its disk's usage across its ballast: each decided a command")
                .isEqualTo(2000);
        assertThat(number(json, "telemetryToDecisionP50Ms")).isPositive();
        assertThat(number(json, "telemetryToDecisionP99Ms")).isPositive();

        JsonNode service = json.get("service");
        assertThat(service.isObject()).as("the service was measured: %s", json).isTrue();
        assertThat(number(service, "granted") + number(service, "pending") + number(service, "refused"))
                .isEqualTo(60);
        // a growth finds its disk's previous deflate still unacknowledged only on a badly overloaded machine
        assertThat(number(service, "granted"))
                .as("datastores with room grant growths at once")
                .isGreaterThanOrEqualTo(54);
        assertThat(number(service, "growthToOutboxP50Ms")).isPositive();
        assertThat(number(service, "growthToOutboxP99Ms")).isPositive();
        assertThat(number(service, "commandsSeen"))
                .as("each granted growth's deflate went out through the outbox to the disk's agent")
                .isEqualTo(number(service, "granted"));
        assertThat(number(service, "growthToCommandP50Ms")).isPositive();

        assertThat(benchDirectories())
                .as("a successful benchmark leaves nothing under .ballast/bench")
                .containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingIsMeasured() {
        StringWriter err = new StringWriter();
        Program program = Program.of(new BenchCommand());
        program.commandLine().setOut(new PrintWriter(new StringWriter()));
        program.commandLine().setErr(new PrintWriter(err));

        int exit = program.execute("reservation", "--disks", "10", "--datastores", "20", "--engine-only");

        assertThat(exit).isEqualTo(ExitCode.REFUSED);
        assertThat(err.toString()).contains("--disks must be at least --datastores (20)");
    }

    /** Runs {@code ballast bench ARGS} in this JVM; returns its report, the one line it printed. */
    private static JsonNode bench(String... arguments) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Program program = Program.of(new BenchCommand());
        program.commandLine().setOut(new PrintWriter(out));
        program.commandLine().setErr(new PrintWriter(err));

        int exit = program.execute(arguments);

        assertThat(exit).as("exit code; standard error:%n%s", err).isEqualTo(ExitCode.DONE);
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).as("the report").hasSize(1);
        return new ObjectMapper().readTree(lines.getFirst());
    }

    private static List<Path> benchDirectories() throws IOException {
        return BenchReports.entries(BENCHES);
    }
}
