package io.ballast.reservation.budget;

import static io.ballast.reservation.budget.Guests.GIB;
import static io.ballast.reservation.budget.Guests.ROOT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Migration prepare, commit and abort between two datastores: holds, budgets moving, the new image reclaimed. */
class MigrationTest {

    private Guests guests;
    private Datastore source;
    private Datastore target;
    private Disk disk;

    @BeforeEach
    void aBallastedDiskAndTwoDatastores() {
        guests = new Guests();
        source = guests.datastore("src", 100 * GIB);
        target = guests.datastore("dst", 60 * GIB);
        disk = guests.disk("src", "d", "vm", 40 * GIB, 8 * GIB, Profile.DEFAULT);
        guests.check(guests.engine.override(source, "d", Optional.of(30 * GIB), guests.now));
        guests.settle("src");
        assertThat(disk.effectiveBytes()).isEqualTo(10 * GIB);
        assertThat(disk.unreclaimedBytes()).isZero();
    }

    @Test
    void aPreparedMigrationHoldsTheDisksWorstCaseOnTheTargetAndItsCommitMovesTheBudget() {
        var prepared = guests.engine.prepareMigration(source, target, "m-1", "d", Duration.ofMinutes(10), guests.now);
        guests.check(prepared.decision());

        assertThat(prepared.migration().state()).isEqualTo(Migration.State.PREPARED);
        // its effective 10 GB, and its 30 GB ballast, which the copy may write as data until it is reclaimed there
        assertThat(prepared.migration().needBytes()).isEqualTo(40 * GIB);
        assertThat(target.terms().holdBytes()).isEqualTo(40 * GIB);
        assertThat(source.terms().worstCaseDemandBytes()).isEqualTo(10 * GIB);

        guests.check(guests.engine.commitMigration(source, target, "m-1", "d", guests.now));

        assertThat(source.disk("d")).isEmpty();
        assertThat(source.terms().worstCaseDemandBytes()).isZero();
        assertThat(target.terms().holdBytes()).isZero();
        assertThat(target.terms().worstCaseDemandBytes()).isEqualTo(40 * GIB);
        Disk moved = target.disk("d").orElseThrow();
        assertThat(moved.imageEpoch()).isEqualTo(1);
        assertThat(moved.reclaims())
                .as("the new image's ballast ranges are punched again")
                .singleElement()
                .satisfies(reclaim -> assertThat(reclaim.jobId()).contains("-i1-"));

        guests.reclaimAll("dst");

        assertThat(target.terms().worstCaseDemandBytes()).isEqualTo(10 * GIB);
        assertThat(moved.ballast(ROOT).orElseThrow().appliedBytes()).isEqualTo(30 * GIB);
    }

    @Test
    void aMigratedDiskDescribedOnItsCopyIsReclaimedThereEvenAfterTheOldFileFailedTheReclaim() {
        guests.check(guests.engine
                .prepareMigration(source, target, "m-1", "d", Duration.ofMinutes(10), guests.now)
                .decision());
        guests.check(guests.engine.commitMigration(source, target, "m-1", "d", guests.now));
        Disk moved = target.disk("d").orElseThrow();
        PendingReclaim asked = moved.reclaims().iterator().next();
        assertThat(asked.imagePath())
                .as("inventory has not described the copy yet")
                .isEqualTo("/images/d.img");
        // the source image is gone once the copy runs: the worker cannot reclaim it
        guests.check(guests.engine.reclaimFailed(target, "d", asked.jobId(), guests.now));

        Decision described = guests.check(guests.engine.diskUpserted(
                target, new DiskFacts("d", "vm", 40 * GIB, 0, "/dst/d.img", "serial-d", true), guests.now));

        assertThat(moved.imageEpoch()).isEqualTo(2);
        assertThat(described.effects())
                .filteredOn(Effect.RequestReclaim.class::isInstance)
                .singleElement()
                .satisfies(effect -> {
                    PendingReclaim again = ((Effect.RequestReclaim) effect).reclaim();
                    assertThat(again.imagePath()).isEqualTo("/dst/d.img");
                    assertThat(again.jobId()).contains("-i2-").isNotEqualTo(asked.jobId());
                });
        assertThat(target.terms().worstCaseDemandBytes())
                .as("the copy's ballast counts until it is punched there")
                .isEqualTo(40 * GIB);
        guests.reclaimAll("dst");
        assertThat(target.terms().worstCaseDemandBytes()).isEqualTo(10 * GIB);

        // described again with the same file: nothing to reclaim anew
        Decision same = guests.check(guests.engine.diskUpserted(
                target, new DiskFacts("d", "vm", 40 * GIB, 0, "/dst/d.img", "serial-d", true), guests.now));
        assertThat(same.effects()).noneMatch(Effect.RequestReclaim.class::isInstance);
        assertThat(moved.imageEpoch()).isEqualTo(2);
    }

    @Test
    void aMoveIsRecommendedOnlyToADatastoreThatWouldHoldWhatItsPrepareHolds() {
        // 20 GiB spare covers the disk's minimum, not its 40 GiB hold (effective and the ballast a copy may write)
        Room tight = new Room("tight", 20 * GIB);

        assertThat(MigrationAdvisor.recommend(source, 5 * GIB, java.util.List.of(tight), true))
                .as("the prepare would refuse it")
                .isEmpty();
        assertThat(MigrationAdvisor.recommend(
                        source, 5 * GIB, java.util.List.of(tight, new Room("roomy", 50 * GIB)), true))
                .hasValueSatisfying(recommendation ->
                        assertThat(recommendation.toDatastoreId()).isEqualTo("roomy"));
        assertThat(MigrationAdvisor.recommend(source, 5 * GIB, java.util.List.of(tight), false))
                .as("a copy that keeps punched ranges holes holds the effective size only")
                .hasValueSatisfying(recommendation ->
                        assertThat(recommendation.toDatastoreId()).isEqualTo("tight"));
        var prepared = guests.engine.prepareMigration(source, target, "m-0", "d", Duration.ofMinutes(10), guests.now);
        assertThat(prepared.migration().needBytes()).isEqualTo(disk.migrationHoldBytes(true));
    }

    @Test
    void aTargetWithoutHeadroomTakesSpaceBackFromItsDisksBeforeTheHoldIsPlaced() {
        Disk resident = guests.disk("dst", "r", "vm-r", 60 * GIB, 5 * GIB, new Profile("roomy", 0.1, 0.9, 10));
        guests.tick("dst");
        guests.settle("dst");
        assertThat(target.terms().headroomBytes()).isLessThan(40 * GIB);

        var prepared = guests.engine.prepareMigration(source, target, "m-2", "d", Duration.ofMinutes(10), guests.now);
        guests.check(prepared.decision());

        assertThat(prepared.migration().state()).isEqualTo(Migration.State.PENDING);
        assertThat(resident.command()).as("the resident disk inflates first").isPresent();
        assertThat(target.terms().holdBytes()).isZero();

        guests.settle("dst");

        assertThat(target.migration("m-2", "d").orElseThrow().state()).isEqualTo(Migration.State.PREPARED);
        assertThat(target.terms().holdBytes()).isEqualTo(40 * GIB);
        assertThat(target.terms().holds()).isTrue();
    }

    @Test
    void aCommitIsRefusedWhenTheDiskCanTakeMoreThanWasHeldAndTheTargetHasNoRoomForIt() {
        // prepared with 40 GB held on a 45 GB target; then the disk's designated size grows to 60 GB
        Datastore tight = guests.datastore("tight", 45 * GIB);
        guests.check(guests.engine
                .prepareMigration(source, tight, "m-4", "d", Duration.ofMinutes(10), guests.now)
                .decision());
        guests.check(guests.engine.diskUpserted(
                source, new DiskFacts("d", "vm", 60 * GIB, 0, "/images/d.img", "serial-d", true), guests.now));
        String before = Fingerprint.of(source) + Fingerprint.of(tight);

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> guests.engine.commitMigration(source, tight, "m-4", "d", guests.now))
                .isInstanceOf(io.ballast.support.errors.Refusal.FailedPrecondition.class)
                .hasMessageContaining("prepare it again");

        assertThat(Fingerprint.of(source) + Fingerprint.of(tight)).isEqualTo(before);
    }

    @Test
    void anAbortReleasesTheHoldAndLeavesTheDiskWhereItWas() {
        guests.check(guests.engine
                .prepareMigration(source, target, "m-3", "d", Duration.ofMinutes(10), guests.now)
                .decision());

        guests.check(guests.engine.abortMigration(target, "m-3", "d", guests.now));

        assertThat(target.migration("m-3", "d").orElseThrow().state()).isEqualTo(Migration.State.ABORTED);
        assertThat(target.terms().holdBytes()).isZero();
        assertThat(source.disk("d")).isPresent();
    }
}
