package io.ballast.reservation.budget;

import static io.ballast.reservation.budget.Guests.GIB;
import static io.ballast.reservation.budget.Guests.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A ballast's life after it was first reclaimed: remade by its agent, cut, checked for tampering. */
class BallastLifecycleTest {

    private Guests guests;
    private Datastore datastore;
    private Disk disk;

    @BeforeEach
    void aReclaimedBallast() {
        guests = new Guests();
        datastore = guests.datastore("ds", 100 * GIB);
        disk = guests.disk("ds", "d", "vm", 20 * GIB, 4 * GIB, Profile.DEFAULT);
        guests.check(guests.engine.override(datastore, "d", Optional.of(10 * GIB), guests.now));
        guests.settle("ds");
        assertThat(disk.unreclaimedBytes()).isZero();
    }

    @Test
    void aBallastItsAgentMadeAgainIsUnreclaimedUntilItsNewExtentsArePunchedUnderANewJobId() {
        BallastSlot before = disk.ballast(ROOT).orElseThrow();
        String firstJob = guests.sent.stream()
                .filter(Effect.RequestReclaim.class::isInstance)
                .map(e -> ((Effect.RequestReclaim) e).reclaim().jobId())
                .findFirst()
                .orElseThrow();

        guests.check(guests.engine.ballastRecreated(
                datastore,
                "d",
                ROOT,
                before.appliedGeneration(),
                10 * GIB,
                Optional.of(List.of(new Extent(GIB, 10 * GIB))),
                guests.now));

        assertThat(disk.unreclaimedBytes()).isEqualTo(10 * GIB);
        assertThat(disk.reclaims()).singleElement().satisfies(reclaim -> {
            assertThat(reclaim.jobId()).isNotEqualTo(firstJob);
            assertThat(reclaim.extents()).containsExactly(new Extent(GIB, 10 * GIB));
        });
        guests.reclaimAll("ds");
        assertThat(disk.unreclaimedBytes()).isZero();
    }

    @Test
    void aBallastACommandLeftAtAnotherSizeIsNeitherCountedReclaimedNorPunched() {
        guests.check(guests.engine.override(datastore, "d", Optional.of(12 * GIB), guests.now));
        BallastCommand inflate = disk.command().orElseThrow();

        guests.check(guests.engine.ballastFailed(datastore, "d", ROOT, inflate.generation(), 11 * GIB, guests.now));

        assertThat(disk.ballast(ROOT).orElseThrow().extents()).isEmpty();
        assertThat(disk.unreclaimedBytes()).isEqualTo(11 * GIB);
        assertThat(disk.reclaims()).isEmpty();
    }

    @Test
    void theHourlyTamperCheckMeasuresAndPunchesNothing() {
        guests.now = guests.now.plus(Duration.ofMinutes(61));
        guests.report("ds", "d");

        guests.check(guests.engine.tick(datastore, List.of(), guests.now));

        assertThat(disk.reclaims()).singleElement().satisfies(check -> {
            assertThat(check.measureOnly()).isTrue();
            assertThat(check.previouslyReclaimed()).isTrue();
        });
        String job = disk.reclaims().iterator().next().jobId();
        guests.check(guests.engine.reclaimFinished(datastore, "d", job, 64L << 20, guests.now));
        assertThat(disk.unreclaimedBytes())
                .as("what the guest wrote back counts from now on")
                .isEqualTo(64L << 20);
        assertThat(guests.sent).anySatisfy(effect -> assertThat(effect)
                .isInstanceOfSatisfying(
                        Effect.RaiseAlert.class,
                        alert -> assertThat(alert.alert().kind()).isEqualTo(Alert.Kind.BALLAST_TAMPERED)));
    }
}
