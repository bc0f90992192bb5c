package io.ballast.reservation.budget;

import static io.ballast.reservation.budget.Guests.GIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.support.errors.Refusal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Placing a new VM's disk from a template. */
class PlacementTest {

    @Test
    void theBestFitIsTheDatastoreWithTheMostRoomLeftAndTheDiskGetsItsDesiredSizeThere() {
        Guests guests = new Guests();
        Datastore small = guests.datastore("small", 20 * GIB);
        Datastore large = guests.datastore("large", 200 * GIB);
        guests.disk("small", "a", "vm-a", 20 * GIB, 10 * GIB, Profile.DEFAULT);
        guests.disk("large", "b", "vm-b", 100 * GIB, 20 * GIB, Profile.DEFAULT);
        // a 100 GB disk expected to use 10 GB: at least 10/0.9, desired 10/0.8 = 12.5 GB
        Placement.Template template = new Placement.Template(100 * GIB, 0, 10 * GIB, Profile.DEFAULT);

        List<Placement.Option> options = Placement.options(List.of(small, large), template);

        assertThat(options).extracting(Placement.Option::datastoreId).containsExactly("large", "small");
        Placement.Option best = options.getFirst();
        assertThat(best.fits()).isTrue();
        assertThat(best.effectiveBytes()).isEqualTo(Disk.roundUp((long) Math.ceil(10.0 * GIB / 0.8)));
        assertThat(best.ballastBytes()).isEqualTo(100 * GIB - best.effectiveBytes());
        assertThat(options.get(1).fits())
                .as("20 GB where a minimum of 11.1 GB is taken: 8.9 GB left")
                .isFalse();
    }

    @Test
    void aTemplateThatIsNoDiskIsInvalid() {
        assertThatThrownBy(() -> new Placement.Template(GIB, 0, 2 * GIB, Profile.DEFAULT))
                .isInstanceOf(Refusal.InvalidInput.class);
        assertThatThrownBy(() -> new Placement.Template(0, 0, 0, Profile.DEFAULT))
                .isInstanceOf(Refusal.InvalidInput.class);
    }
}
