package io.ballast.inventory.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.inventory.profile.Alignment;
import io.ballast.inventory.profile.Profile;
import io.ballast.support.errors.Refusal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Targets from a profile or given, against a disk's layout, and the bytes they save. */
class ResizePlanTest {

    private static final long GIB = 1L << 30;
    private static final long MIB = 1L << 20;

    private static Layout.Partition ext(int number, long size, long used, long minimum) {
        return new Layout.Partition(
                number, number * MIB, size, "0x83", "ext2/3/4", OptionalLong.of(used), OptionalLong.of(minimum), MIB);
    }

    private static Layout layout(Layout.Partition... partitions) {
        return new Layout("disk-1", "MBR", 64 * GIB, 0, List.of(partitions), Instant.EPOCH);
    }

    private static Profile keeping(double desiredFree, int horizonDays) {
        return new Profile(
                "p",
                Math.min(0.1, desiredFree),
                desiredFree,
                50,
                horizonDays,
                Alignment.MIB_1,
                List.of(),
                Optional.empty());
    }

    @Test
    void aTenGigabytePartitionWithEightUnusedKeepingFourFreeBecomesSixAndSavesFour() {
        // the source document's example: 2 GB used; 4 of the 6 GB left free is a desired free ratio of 2/3
        ResizePlan plan = ResizePlan.byProfile(layout(ext(1, 10 * GIB, 2 * GIB, GIB)), keeping(2.0 / 3, 0), 0);

        assertThat(plan.targets()).containsExactly(new PartitionTarget(1, 6 * GIB));
        assertThat(plan.savingsBytes()).isEqualTo(4 * GIB);
    }

    @Test
    void aProfileNeverGrowsNorGoesBelowTheMinimumAndLeavesWhatCannotShrink() {
        Layout.Partition swap =
                new Layout.Partition(5, 20 * GIB, GIB, "0x82", "swap", OptionalLong.empty(), OptionalLong.empty(), MIB);
        Layout disk = layout(
                ext(1, 4 * GIB, 3 * GIB, GIB), // half free would need 6 GiB: left as it is
                ext(2, 20 * GIB, GIB, 5 * GIB), // half free would be 2 GiB, but the filesystem needs 5
                swap);

        ResizePlan plan = ResizePlan.byProfile(disk, keeping(0.5, 0), 0);

        assertThat(plan.targets()).containsExactly(new PartitionTarget(2, 5 * GIB));
        assertThat(plan.savingsBytes()).isEqualTo(15 * GIB);
    }

    @Test
    void growthOverTheHorizonIsLeftRoomForAndTargetsAreWholeMebibytes() {
        // 1 GiB used plus 10 days of 10 MiB: 1124 MiB, kept 50 % free: 2248 MiB
        ResizePlan plan = ResizePlan.byProfile(layout(ext(1, 10 * GIB, GIB, GIB / 2)), keeping(0.5, 10), 10 * MIB);
        assertThat(plan.targets()).containsExactly(new PartitionTarget(1, 2248 * MIB));

        // the disk's growth is shared by what each partition uses: 1 GiB and 3 GiB used get 1/4 and 3/4 of
        // 10 days of 40 MiB: 100 MiB and 300 MiB; kept half free, 2248 MiB and 6744 MiB
        ResizePlan shared = ResizePlan.byProfile(
                layout(ext(1, 10 * GIB, GIB, GIB / 2), ext(2, 10 * GIB, 3 * GIB, GIB)), keeping(0.5, 10), 40 * MIB);
        assertThat(shared.targets())
                .containsExactly(new PartitionTarget(1, 2248 * MIB), new PartitionTarget(2, 6744 * MIB));
        assertThat(ResizePlan.byProfile(layout(ext(1, 10 * GIB, GIB, GIB / 2)), keeping(0.5, 10), -5 * MIB)
                        .targets())
                .as("a disk whose use falls is given no growth, and no shrinking below its use either")
                .containsExactly(new PartitionTarget(1, 2 * GIB));

        ResizePlan odd = ResizePlan.byProfile(layout(ext(1, 10 * GIB, GIB + 1, GIB / 2)), keeping(0.5, 0), 0);
        assertThat(odd.targets().getFirst().sizeBytes() % MIB).isZero();
        assertThat(odd.targets().getFirst().sizeBytes()).isGreaterThanOrEqualTo(2 * GIB + 2);
    }

    @Test
    void givenTargetsAreCheckedAgainstTheLayoutAndEveryWrongOneIsNamed() {
        Layout.Partition swap =
                new Layout.Partition(5, 20 * GIB, GIB, "0x82", "swap", OptionalLong.empty(), OptionalLong.empty(), MIB);
        Layout disk = layout(ext(1, 10 * GIB, 2 * GIB, 3 * GIB), swap);

        ResizePlan plan = ResizePlan.of(disk, List.of(new PartitionTarget(1, 6 * GIB), new PartitionTarget(5, GIB)));
        assertThat(plan.savingsBytes())
                .as("swap kept at its size saves nothing")
                .isEqualTo(4 * GIB);

        assertThatThrownBy(() -> ResizePlan.of(
                        disk,
                        List.of(
                                new PartitionTarget(1, 2 * GIB),
                                new PartitionTarget(5, 2 * GIB),
                                new PartitionTarget(7, GIB),
                                new PartitionTarget(1, 8 * GIB))))
                .isInstanceOfSatisfying(Refusal.InvalidInput.class, refused -> {
                    assertThat(refused.fieldErrors())
                            .extracting(Refusal.FieldError::field)
                            .containsExactly("targets[0]", "targets[1]", "targets[2]", "targets");
                    assertThat(refused.getMessage())
                            .contains("below partition 1's filesystem minimum of " + 3 * GIB)
                            .contains("partition 5 holds swap, which cannot be resized")
                            .contains("has no partition 7");
                });
    }
}
