package io.ballast.reservation.budget;

import static io.ballast.reservation.budget.Guests.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.support.errors.Refusal;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad input to the engine: each is refused with the refusal its edge maps (not found, invalid input, failed
 * precondition), or ignored where the protocol says so (a stale generation), and leaves the datastores exactly as they
 * were.
 */
class EngineRefusalsTest {

    private Guests guests;
    private Datastore source;
    private Datastore target;

    @BeforeEach
    void twoDatastores() {
        guests = new Guests();
        source = guests.datastore("src", 100 * GIB);
        target = guests.datastore("dst", 20 * GIB);
        guests.disk("src", "d", "vm", 20 * GIB, 4 * GIB, Profile.DEFAULT);
        guests.disk("dst", "t", "vm-t", 20 * GIB, 4 * GIB, Profile.DEFAULT);
        guests.tick("src");
        guests.tick("dst");
        guests.settle("src");
        guests.settle("dst");
    }

    private String state() {
        return Fingerprint.of(source) + Fingerprint.of(target);
    }

    @Test
    void unknownIdsAreNotFound() {
        String before = state();

        assertThatThrownBy(() -> guests.engine.requestGrowth(source, "g", "nope", GIB, List.of(), guests.now))
                .isInstanceOf(Refusal.NotFound.class)
                .hasMessage("disk nope does not exist");
        assertThatThrownBy(() -> guests.engine.override(source, "nope", Optional.of(GIB), guests.now))
                .isInstanceOf(Refusal.NotFound.class);
        assertThatThrownBy(() -> guests.engine.exportBound(source, "no-vm", GIB, guests.now))
                .isInstanceOf(Refusal.NotFound.class)
                .hasMessage("VM no-vm does not exist");
        assertThatThrownBy(() -> guests.engine.commitMigration(source, target, "m", "d", guests.now))
                .as("a commit without a prepare")
                .isInstanceOf(Refusal.NotFound.class);
        assertThatThrownBy(() -> guests.engine.abortMigration(target, "m", "d", guests.now))
                .isInstanceOf(Refusal.NotFound.class);

        assertThat(state()).isEqualTo(before);
    }

    @Test
    void negativeAbsurdAndOversizedAmountsAreInvalidInput() {
        String before = state();

        for (long bytes : new long[] {0, -GIB, Long.MIN_VALUE}) {
            assertThatThrownBy(
                            () -> guests.engine.requestGrowth(source, "g" + bytes, "d", bytes, List.of(), guests.now))
                    .isInstanceOf(Refusal.InvalidInput.class)
                    .satisfies(e -> assertThat(((Refusal.InvalidInput) e).fieldErrors())
                            .extracting(Refusal.FieldError::field)
                            .containsExactly("additionalBytes"));
        }
        for (long bytes : new long[] {1L << 60, Long.MAX_VALUE}) {
            assertThatThrownBy(() -> guests.engine.requestGrowth(source, "g", "d", bytes, List.of(), guests.now))
                    .isInstanceOf(Refusal.InvalidInput.class)
                    .hasMessageContaining("can grow by");
        }
        assertThatThrownBy(() -> guests.engine.override(source, "d", Optional.of(-1L), guests.now))
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> guests.engine.override(source, "d", Optional.of(19 * GIB), guests.now))
                .as("more ballast than the guest's filesystem has unused")
                .isInstanceOf(Refusal.InvalidInput.class)
                .hasMessageContaining("can hold");
        assertThatThrownBy(() -> guests.engine.exportBound(source, "vm", GIB, guests.now))
                .as("a bound below what the VM uses")
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> guests.engine.prepareMigration(source, target, "m", "d", Duration.ZERO, guests.now))
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() ->
                        guests.engine.prepareMigration(source, source, "m", "d", Duration.ofMinutes(5), guests.now))
                .isInstanceOf(Refusal.InvalidInput.class);

        assertThat(state()).isEqualTo(before);
    }

    @Test
    void aHoldForMoreThanTheTargetCanEverGiveIsRefused() {
        guests.check(guests.engine.override(source, "d", Optional.empty(), guests.now));
        String before = state();

        assertThatThrownBy(() ->
                        guests.engine.prepareMigration(source, target, "m", "d", Duration.ofMinutes(5), guests.now))
                .isInstanceOf(Refusal.FailedPrecondition.class)
                .hasMessageContaining("cannot hold disk d");

        assertThat(state()).isEqualTo(before);
    }

    @Test
    void aCommitAfterItsTimeRanOutIsRefusedAndTheHoldIsGone() {
        Datastore roomy = guests.datastore("roomy", 200 * GIB);
        var prepared = guests.engine.prepareMigration(source, roomy, "m", "d", Duration.ofMinutes(5), guests.now);
        guests.check(prepared.decision());
        assertThat(prepared.migration().state()).isEqualTo(Migration.State.PREPARED);
        assertThat(roomy.terms().holdBytes()).isPositive();

        guests.now = guests.now.plus(Duration.ofMinutes(6));
        guests.check(guests.engine.tick(roomy, List.of(), guests.now));
        String before = Fingerprint.of(source) + Fingerprint.of(roomy);

        assertThatThrownBy(() -> guests.engine.commitMigration(source, roomy, "m", "d", guests.now))
                .isInstanceOf(Refusal.FailedPrecondition.class)
                .hasMessageContaining("EXPIRED");
        assertThat(roomy.terms().holdBytes()).isZero();
        assertThat(Fingerprint.of(source) + Fingerprint.of(roomy)).isEqualTo(before);
    }

    @Test
    void aGrowthOnAnOfflineAgentsDiskIsRefusedAndNothingIsGrantedOnItsAccount() {
        guests.now = guests.now.plus(Duration.ofMinutes(10));
        guests.check(guests.engine.tick(source, List.of(), guests.now));
        assertThat(source.disk("d").orElseThrow().state()).isEqualTo(DiskState.FROZEN);
        String before = state();

        assertThatThrownBy(() -> guests.engine.requestGrowth(source, "g", "d", GIB, List.of(), guests.now))
                .isInstanceOf(Refusal.FailedPrecondition.class)
                .hasMessageContaining("offline");

        assertThat(state()).isEqualTo(before);
    }

    @Test
    void aStaleOrUnknownGenerationChangesNothing() {
        Disk disk = source.disk("d").orElseThrow();
        guests.check(guests.engine.override(source, "d", Optional.of(10 * GIB), guests.now));
        BallastCommand inFlight = disk.command().orElseThrow();
        String before = state();

        guests.check(guests.engine.ballastApplied(
                source, "d", "/", inFlight.generation() - 1, 10 * GIB, Optional.of(List.of()), guests.now));
        guests.check(guests.engine.ballastApplied(
                source, "d", "/", inFlight.generation() + 5, 0, Optional.of(List.of()), guests.now));
        guests.check(guests.engine.ballastApplied(
                source, "d", "/elsewhere", inFlight.generation(), 0, Optional.of(List.of()), guests.now));
        guests.check(guests.engine.reclaimFinished(source, "d", "no-such-job", 0, guests.now));

        assertThat(state()).isEqualTo(before);
    }

    @Test
    void anOverrideWhoseBudgetDoesNotFitAboveTheOthersMinimumsIsRefused() {
        Guests tight = new Guests();
        Datastore datastore = tight.datastore("tight", 100 * GIB);
        tight.disk("tight", "a", "vm-a", 100 * GIB, 30 * GIB, Profile.DEFAULT);
        tight.disk("tight", "b", "vm-b", 100 * GIB, 30 * GIB, Profile.DEFAULT);
        tight.check(tight.tick("tight"));
        tight.settle("tight");
        assertThat(tight.terms("tight").holds()).isTrue();
        String before = Fingerprint.of(datastore);

        assertThatThrownBy(() -> tight.engine.override(datastore, "a", Optional.of(10 * GIB), tight.now))
                .as("a budget of 90 GiB with b at its minimum of 33.3 GiB needs more than 100 GiB")
                .isInstanceOf(Refusal.FailedPrecondition.class)
                .hasMessageContaining("above every disk's minimum");
        assertThat(Fingerprint.of(datastore)).isEqualTo(before);

        tight.check(tight.engine.override(datastore, "a", Optional.of(40 * GIB), tight.now));
        tight.settle("tight");
        tight.check(tight.tick("tight"));
        tight.settle("tight");
        assertThat(datastore.disk("a").orElseThrow().effectiveBytes()).isEqualTo(60 * GIB);
        assertThat(tight.terms("tight").holds()).isTrue();
    }
}
