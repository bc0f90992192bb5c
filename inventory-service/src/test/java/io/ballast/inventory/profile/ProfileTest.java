package io.ballast.inventory.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.support.errors.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A profile's rules and its schedule's windows. */
class ProfileTest {

    private static Profile profile(double min, double desired, int priority, int horizon, List<Integer> noAlign) {
        return new Profile("web", min, desired, priority, horizon, Alignment.MIB_1, noAlign, Optional.empty());
    }

    @Test
    void everyFieldOutOfRangeIsNamedAndTheProfileIsRefused() {
        assertThatThrownBy(() -> profile(0.5, 0.4, 101, -1, List.of(0, 2)))
                .isInstanceOfSatisfying(Refusal.InvalidInput.class, refused -> assertThat(refused.fieldErrors())
                        .extracting(Refusal.FieldError::field)
                        .containsExactly("desiredFreeRatio", "priority", "growthHorizonDays", "noAlign"));
        assertThatThrownBy(() -> profile(-0.1, 0.96, 50, 7, List.of()))
                .isInstanceOfSatisfying(Refusal.InvalidInput.class, refused -> assertThat(refused.fieldErrors())
                        .extracting(Refusal.FieldError::field)
                        .containsExactly("minFreeRatio", "desiredFreeRatio"));
        assertThatThrownBy(
                        () -> new Profile("Web Servers", 0.1, 0.2, 50, 7, Alignment.NONE, List.of(), Optional.empty()))
                .isInstanceOf(Refusal.InvalidInput.class)
                .hasMessageContaining("name");
    }

    @Test
    void partitionsLeftUnalignedAreKeptOnceInOrder() {
        assertThat(profile(0.1, 0.2, 50, 7, List.of(5, 1, 5)).noAlign()).containsExactly(1, 5);
    }

    @Test
    void theDefaultIsTheOneTheReservationServicePlansWith() {
        assertThat(Profile.DEFAULT.name()).isEqualTo("default");
        assertThat(Profile.DEFAULT.minFreeRatio()).isEqualTo(0.10);
        assertThat(Profile.DEFAULT.desiredFreeRatio()).isEqualTo(0.20);
        assertThat(Profile.DEFAULT.priority()).isEqualTo(50);
        assertThat(Profile.DEFAULT.isDefault()).isTrue();
    }

    @Test
    void aScheduleOpensAWindowAtEachFiringThatClosesAfterItsLength() {
        // Saturdays at 02:00 UTC for four hours; 2026-12-05 is a Saturday
        Schedule saturdays = Schedule.of("0 2 * * SAT", Duration.ofHours(4));
        Instant opens = Instant.parse("2026-12-05T02:00:00Z");

        assertThat(saturdays.openWindowAt(opens)).contains(opens);
        assertThat(saturdays.openWindowAt(opens.plus(Duration.ofMinutes(239)))).contains(opens);
        assertThat(saturdays.openWindowAt(opens.plus(Duration.ofHours(4)))).isEmpty();
        assertThat(saturdays.openWindowAt(opens.minusSeconds(1))).isEmpty();
        assertThat(saturdays.openWindowAt(Instant.parse("2026-12-09T03:00:00Z")))
                .as("a Wednesday")
                .isEmpty();
        assertThat(saturdays.nextAfter(opens)).contains(Instant.parse("2026-12-12T02:00:00Z"));
    }

    @Test
    void aScheduleThatIsNoCronExpressionOrAWindowOutOfRangeIsRefused() {
        assertThatThrownBy(() -> Schedule.of("every saturday", Duration.ofHours(1)))
                .isInstanceOfSatisfying(Refusal.InvalidInput.class, refused -> assertThat(refused.fieldErrors())
                        .extracting(Refusal.FieldError::field)
                        .containsExactly("schedule"));
        assertThatThrownBy(() -> Schedule.of("0 2 * * SAT *", Duration.ofHours(1)))
                .as("six fields: Quartz, not Unix cron")
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> Schedule.of("61 2 * * *", Duration.ofHours(1)))
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> Schedule.of("0 2 * * *", Duration.ZERO))
                .isInstanceOfSatisfying(Refusal.InvalidInput.class, refused -> assertThat(refused.fieldErrors())
                        .extracting(Refusal.FieldError::field)
                        .containsExactly("window"));
        assertThatThrownBy(() -> Schedule.of("0 2 * * *", Duration.ofDays(8))).isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> Schedule.of("0 2 * * *", Duration.ofMillis(500)))
                .as("stored in whole seconds")
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> Schedule.of("0 2 * * *", Duration.ofSeconds(90).plusMillis(1)))
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> Schedule.of("0 2 * * *", Duration.ofSeconds(59)))
                .isInstanceOf(Refusal.InvalidInput.class);
    }
}
