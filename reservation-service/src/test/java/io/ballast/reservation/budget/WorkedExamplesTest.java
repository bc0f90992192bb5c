package io.ballast.reservation.budget;

import static io.ballast.reservation.budget.Guests.GIB;
import static io.ballast.reservation.budget.Guests.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The design's worked examples 1 to 5, on the engine with guests that do as they are told. */
class WorkedExamplesTest {

    @Test
    void tenDisksOfTenGigabytesWithTwoUsedGetSixGigabyteBallastsOnAFiftyGigabyteDatastore() {
        // example 1: each guest keeps half of its filesystem free at the least and wants no more
        Guests guests = new Guests();
        Datastore datastore = guests.datastore("ds", 50 * GIB);
        Profile halfFree = new Profile("half-free", 0.5, 0.5, 50);
        for (int i = 0; i < 10; i++) {
            guests.disk("ds", "disk-" + i, "vm-" + i, 10 * GIB, 2 * GIB, halfFree);
        }
        assertThat(guests.terms("ds").holds())
                .as("ten 10 GB disks without ballast: 100 GB of worst case on 50 GB")
                .isFalse();

        guests.tick("ds");
        guests.settle("ds");

        for (Disk disk : datastore.disks()) {
            assertThat(disk.ballast(ROOT).orElseThrow().appliedBytes()).isEqualTo(6 * GIB);
            assertThat(disk.effectiveBytes()).isEqualTo(4 * GIB);
            assertThat(disk.unreclaimedBytes()).isZero();
        }
        InvariantTerms terms = guests.terms("ds");
        assertThat(terms.worstCaseDemandBytes()).isEqualTo(40 * GIB);
        assertThat(terms.holds()).isTrue();
        assertThat(terms.headroomBytes()).isEqualTo(10 * GIB);
    }

    @Test
    void deflatingTheSecondOfTwoHalfBallastedDisksBy30GigabytesHandsItThirtyOfTheFirstsFifty() {
        // example 2: two 100 GB disks with 50 GB ballasts on 100 GB; B grows by 30 GB, taken from A's spare
        Guests guests = new Guests();
        Datastore datastore = guests.datastore("ds", 100 * GIB);
        Profile profile = new Profile("roomy", 0.1, 0.8, 50);
        guests.disk("ds", "a", "vm-a", 100 * GIB, 10 * GIB, profile);
        guests.disk("ds", "b", "vm-b", 100 * GIB, 10 * GIB, profile);
        guests.tick("ds");
        guests.settle("ds");
        Disk a = datastore.disk("a").orElseThrow();
        Disk b = datastore.disk("b").orElseThrow();
        assertThat(a.countedBallastBytes()).isEqualTo(50 * GIB);
        assertThat(b.countedBallastBytes()).isEqualTo(50 * GIB);
        assertThat(guests.terms("ds").headroomBytes()).isZero();

        BudgetEngine.GrowthOutcome growth =
                guests.engine.requestGrowth(datastore, "g-1", "b", 30 * GIB, List.of(), guests.now);
        guests.check(growth.decision());

        assertThat(growth.growth().state())
                .as("B's deflate waits for A's space")
                .isEqualTo(Growth.State.PENDING);
        assertThat(a.command().orElseThrow().targetBytes()).isEqualTo(80 * GIB);
        assertThat(b.command()).isEmpty();
        guests.ackAll("ds");
        assertThat(a.countedBallastBytes()).isEqualTo(80 * GIB);
        assertThat(a.unreclaimedBytes())
                .as("A's 30 GB more ballast is still backed until the worker punched it")
                .isEqualTo(30 * GIB);
        assertThat(b.command())
                .as("nothing given before A's space is reclaimed")
                .isEmpty();
        assertThat(guests.terms("ds").holds()).isTrue();

        guests.reclaimAll("ds");

        assertThat(b.command().orElseThrow().targetBytes()).isEqualTo(20 * GIB);
        assertThat(datastore.growth("g-1").orElseThrow().state()).isEqualTo(Growth.State.GRANTED);
        assertThat(b.effectiveBytes()).isEqualTo(80 * GIB);
        assertThat(guests.terms("ds").holds()).isTrue();
        guests.settle("ds");
        assertThat(a.effectiveBytes()).isEqualTo(20 * GIB);
        assertThat(b.effectiveBytes()).isEqualTo(80 * GIB);
        assertThat(guests.terms("ds").headroomBytes()).isZero();
    }

    @Test
    void aTenGigabyteDiskWithAFourGigabyteBallastDeflatedByTwoHasEightEffectiveWithNoReboot() {
        // example 3: the datastore has room, so the growth is granted at once and counts the moment it is sent
        Guests guests = new Guests();
        Datastore datastore = guests.datastore("ds", 40 * GIB);
        guests.disk("ds", "d", "vm", 10 * GIB, 2 * GIB, Profile.DEFAULT);
        guests.check(guests.engine.override(datastore, "d", Optional.of(4 * GIB), guests.now));
        guests.settle("ds");
        guests.check(guests.engine.override(datastore, "d", Optional.empty(), guests.now));
        Disk disk = datastore.disk("d").orElseThrow();
        assertThat(disk.effectiveBytes()).isEqualTo(6 * GIB);

        BudgetEngine.GrowthOutcome growth =
                guests.engine.requestGrowth(datastore, "g", "d", 2 * GIB, List.of(), guests.now);
        guests.check(growth.decision());

        assertThat(growth.growth().state()).isEqualTo(Growth.State.GRANTED);
        assertThat(disk.effectiveBytes()).isEqualTo(8 * GIB);
        guests.settle("ds");
        assertThat(disk.ballast(ROOT).orElseThrow().appliedBytes()).isEqualTo(2 * GIB);
        assertThat(disk.effectiveBytes()).isEqualTo(8 * GIB);
    }

    @Test
    void aVmUsingFourOfTenGigabytesIsBoundedByASixGigabyteBallastToFitAFourGigabyteTarget() {
        // example 4: an export bound before a move to a 4 GB target
        Guests guests = new Guests();
        Datastore datastore = guests.datastore("ds", 100 * GIB);
        guests.disk("ds", "d", "vm", 10 * GIB, 4 * GIB, Profile.DEFAULT);

        BudgetEngine.ExportBound bound = guests.engine.exportBound(datastore, "vm", 4 * GIB, guests.now);
        guests.check(bound.decision());

        assertThat(bound.ballastBytes()).containsExactlyEntriesOf(java.util.Map.of("d", 6 * GIB));
        guests.settle("ds");
        Disk disk = datastore.disk("d").orElseThrow();
        assertThat(disk.ballast(ROOT).orElseThrow().appliedBytes()).isEqualTo(6 * GIB);
        assertThat(disk.effectiveBytes()).isEqualTo(4 * GIB);
    }

    @Test
    void disksCreatedAtOneHundredGigabytesAndBoundedWithSixtyGigabyteBallastsNeedFortyEach() {
        // example 5: five such disks fit 200 GB once their ballasts are reclaimed
        Guests guests = new Guests();
        Datastore datastore = guests.datastore("ds", 200 * GIB);
        for (int i = 0; i < 5; i++) {
            guests.disk("ds", "d" + i, "vm" + i, 100 * GIB, GIB, Profile.DEFAULT);
            guests.check(guests.engine.override(datastore, "d" + i, Optional.of(60 * GIB), guests.now));
        }
        guests.settle("ds");

        for (Disk disk : datastore.disks()) {
            assertThat(disk.worstCaseDemandBytes()).isEqualTo(40 * GIB);
        }
        assertThat(guests.terms("ds").worstCaseDemandBytes()).isEqualTo(200 * GIB);
        assertThat(guests.terms("ds").holds()).isTrue();
    }

    @Test
    void theFiveDisksArePinnedWhileThePlanHasReachedOnlySomeOfThem() {
        // example 5 as an operator meets it: three disks planned (their inflates in flight), two so new that their
        // budgets are still their designated sizes; pinning the first must not wait for the others' plans
        Guests guests = new Guests();
        Datastore datastore = guests.datastore("ds", 200 * GIB);
        for (int i = 0; i < 3; i++) {
            guests.disk("ds", "d" + i, "vm" + i, 100 * GIB, GIB, Profile.DEFAULT);
        }
        guests.check(guests.tick("ds"));
        for (int i = 3; i < 5; i++) {
            guests.disk("ds", "d" + i, "vm" + i, 100 * GIB, GIB, Profile.DEFAULT);
        }
        assertThat(datastore.budgetedDemandBytes())
                .as("two budgets still at their designated 100 GiB")
                .isGreaterThan(200 * GIB);

        for (int i = 0; i < 5; i++) {
            guests.check(guests.engine.override(datastore, "d" + i, Optional.of(60 * GIB), guests.now));
        }
        guests.settle("ds");
        guests.check(guests.tick("ds"));
        guests.settle("ds");

        for (Disk disk : datastore.disks()) {
            assertThat(disk.worstCaseDemandBytes()).isEqualTo(40 * GIB);
        }
        assertThat(guests.terms("ds").holds()).isTrue();
    }
}
