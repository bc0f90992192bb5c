package io.ballast.agent.ballast;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TelemetryTest {

    private static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
    private static final long TOTAL = 100L << 30;

    private final Telemetry telemetry = new Telemetry(Duration.ofSeconds(60), 0.05);

    @Test
    void theFirstReportIsDueAtOnceAndThenOncePerPeriod() {
        assertThat(telemetry.due(null, 0, T0, 1 << 30, TOTAL)).isTrue();
        assertThat(telemetry.due(T0, 1 << 30, T0.plusSeconds(59), 1 << 30, TOTAL))
                .isFalse();
        assertThat(telemetry.due(T0, 1 << 30, T0.plusSeconds(60), 1 << 30, TOTAL))
                .isTrue();
    }

    @Test
    void aMoveBeyondTheThresholdIsReportedBeforeThePeriodEnds() {
        long used = 10L << 30;
        assertThat(telemetry.due(T0, used, T0.plusSeconds(5), used + (5L << 30), TOTAL))
                .as("exactly 5 % is not beyond")
                .isFalse();
        assertThat(telemetry.due(T0, used, T0.plusSeconds(5), used + (5L << 30) + 1, TOTAL))
                .isTrue();
        assertThat(telemetry.due(T0, used, T0.plusSeconds(5), used - (6L << 30), TOTAL))
                .isTrue();
    }
}
