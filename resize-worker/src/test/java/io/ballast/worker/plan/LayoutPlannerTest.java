package io.ballast.worker.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.worker.image.ByteRange;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.image.PartitionTable.Scheme;
import io.ballast.worker.plan.LayoutPlanner.Current;
import io.ballast.worker.plan.LayoutPlanner.Placed;
import io.ballast.worker.plan.LayoutPlanner.Plan;
import io.ballast.worker.plan.LayoutPlanner.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LayoutPlannerTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    private static Current ext(int number, long start, long size, long used, long minimum) {
        return new Current(
                number,
                ByteRange.ofLength(start, size),
                number >= 5,
                false,
                OptionalLong.of(used),
                OptionalLong.of(minimum));
    }

    private static Current opaque(int number, long start, long size) {
        return new Current(
                number,
                ByteRange.ofLength(start, size),
                number >= 5,
                false,
                OptionalLong.empty(),
                OptionalLong.empty());
    }

    /** A GPT BIOS boot partition: boot code points at its sectors. */
    private static Current biosBoot(int number, long start, long size) {
        return new Current(
                number, ByteRange.ofLength(start, size), false, true, OptionalLong.empty(), OptionalLong.empty());
    }

    /** A disk with the usual table tail: 33 sectors of backup for a GPT of 128 entries, none for MBR. */
    private static Plan plan(Scheme scheme, long diskBytes, List<Current> partitions, Request request)
            throws ImageException {
        return LayoutPlanner.plan(
                new LayoutPlanner.Disk(scheme, diskBytes, scheme == Scheme.GPT ? 33 * 512 : 0), partitions, request);
    }

    private static Request request(Map<Integer, Long> targets, Alignment alignment, Integer... doNotAlign) {
        return new Request(targets, OptionalDouble.empty(), alignment, Set.of(doNotAlign));
    }

    @Test
    void theSourceDocumentsExampleSavesAboutFourGigabytes() throws Exception {
        // A 10 GB partition with 8 GB unused, at the old sector-63 start, and a partition right after it.
        long p1Start = 63 * 512;
        long p1Size = 10_000_000_000L - p1Start;
        Current p1 = ext(1, p1Start, p1Size, 2_000_000_000L, 2_100_000_000L);
        Current p2 = opaque(2, p1Start + p1Size, 4 * GIB);
        long oldEnd = p2.range().endBytes();

        Plan plan = plan(Scheme.MBR, 20 * GIB, List.of(p1, p2), request(Map.of(1, 6_000_000_000L), Alignment.MIB_1));

        Placed first = plan.partitions().get(0);
        Placed second = plan.partitions().get(1);
        assertThat(first.to()).isEqualTo(ByteRange.ofLength(MIB, 6_000_000_000L));
        assertThat(first.moves()).isTrue();
        assertThat(second.to().startBytes()).isEqualTo(LayoutPlanner.roundUp(MIB + 6_000_000_000L, MIB));
        assertThat(second.to().lengthBytes()).isEqualTo(4 * GIB);
        assertThat(second.to().startBytes() % MIB).isZero();
        assertThat(oldEnd - plan.requiredDiskBytes()).isBetween(3_900_000_000L, 4_100_000_000L);
    }

    @Test
    void gptKeepsItsHeadAndBackupAreasAndLogicalPartitionsGetRoomForTheirEbr() throws Exception {
        Plan gpt = plan(Scheme.GPT, 4 * GIB, List.of(opaque(1, 34 * 512, GIB)), request(Map.of(), Alignment.KIB_64));
        assertThat(gpt.partitions().getFirst().to().startBytes()).isEqualTo(64 << 10);
        assertThat(gpt.requiredDiskBytes()).isEqualTo((64 << 10) + GIB + 33 * 512);

        Plan mbr = plan(
                Scheme.MBR,
                4 * GIB,
                List.of(opaque(1, MIB, GIB), opaque(5, MIB + GIB + 512, GIB)),
                request(Map.of(), Alignment.NONE));
        assertThat(mbr.partitions().get(0).to().startBytes())
                .as("the first partition stays where it is: the gap before it is not proved free")
                .isEqualTo(MIB);
        assertThat(mbr.partitions().get(1).to().startBytes())
                .as("two sectors before a logical partition: its EBR, and the extended partition's second sector")
                .isEqualTo(MIB + GIB + 1024);
    }

    @Test
    void aDoNotAlignPartitionKeepsItsStartAndACylinderAlignmentUsesTheGeometry() throws Exception {
        Plan plan = plan(
                Scheme.MBR,
                8 * GIB,
                List.of(opaque(1, 63 * 512, GIB), opaque(2, 63 * 512 + GIB + 4096, GIB)),
                request(Map.of(), Alignment.CYLINDER, 1));
        assertThat(plan.partitions().get(0).to().startBytes()).isEqualTo(63 * 512);
        assertThat(plan.partitions().get(0).moves()).isFalse();
        assertThat(plan.partitions().get(1).to().startBytes() % LayoutPlanner.CYLINDER_BYTES)
                .isZero();

        Current grown = ext(1, MIB, GIB, 100 * MIB, 200 * MIB);
        Current kept = opaque(2, MIB + GIB, GIB);
        assertThatThrownBy(() -> plan(
                        Scheme.MBR, 8 * GIB, List.of(grown, kept), request(Map.of(1, 2 * GIB), Alignment.MIB_1, 2)))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("partition 2 keeps its start at " + (MIB + GIB) + " (do not align)");
    }

    @Test
    void theFreeRatioSizesFromUsedBytesAndNeverBelowTheMinimum() throws Exception {
        Request ratio = new Request(Map.of(), OptionalDouble.of(0.25), Alignment.MIB_1, Set.of());
        Plan plan = plan(
                Scheme.GPT,
                16 * GIB,
                List.of(ext(1, MIB, 8 * GIB, 3 * GIB, GIB), ext(2, MIB + 8 * GIB, 4 * GIB, 100 * MIB, 900 * MIB)),
                ratio);
        assertThat(plan.partitions().get(0).to().lengthBytes()).isEqualTo(4 * GIB);
        assertThat(plan.partitions().get(1).to().lengthBytes())
                .as("100 MiB used would give 134 MiB; the filesystem cannot go below 900 MiB")
                .isEqualTo(900 * MIB);
    }

    @Test
    void impossibleRequestsAreRefusedNamingThePartition() {
        Current p1 = ext(1, MIB, 2 * GIB, GIB, 1200 * MIB);
        Current p2 = opaque(2, MIB + 2 * GIB, GIB);
        assertThatThrownBy(() -> plan(Scheme.MBR, 4 * GIB, List.of(p1, p2), request(Map.of(1, GIB), Alignment.MIB_1)))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage("partition 1: target " + GIB + " bytes is below its filesystem's minimum of " + 1200 * MIB
                        + " bytes");
        assertThatThrownBy(() ->
                        plan(Scheme.MBR, 4 * GIB, List.of(p1, p2), request(Map.of(2, 512 * MIB), Alignment.MIB_1)))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("partition 2 holds a filesystem Ballast cannot shrink");
        assertThatThrownBy(() -> plan(Scheme.MBR, 4 * GIB, List.of(p1, p2), request(Map.of(3, GIB), Alignment.MIB_1)))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage("there is no partition 3 to resize");
        assertThatThrownBy(
                        () -> plan(Scheme.MBR, 4 * GIB, List.of(p1, p2), request(Map.of(1, 4 * GIB), Alignment.MIB_1)))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("the new layout needs");
        assertThatThrownBy(() -> Alignment.parse("2m"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'2m' is not one of 64k, 1m, cylinder, none");
    }

    @Test
    void theFirstPartitionNeverMovesBelowItsStartSoTheGapAfterTheTableStays() throws Exception {
        // GRUB's core.img may fill the sectors between the MBR and a first partition at 4 MiB
        Plan plan = plan(
                Scheme.MBR,
                8 * GIB,
                List.of(ext(1, 4 * MIB, GIB, 10 * MIB, 20 * MIB)),
                request(Map.of(), Alignment.MIB_1));
        assertThat(plan.partitions().getFirst().to().startBytes()).isEqualTo(4 * MIB);

        Plan gpt = plan(
                Scheme.GPT, 8 * GIB, List.of(opaque(1, 2048 * 512 + 512, GIB)), request(Map.of(), Alignment.MIB_1));
        assertThat(gpt.partitions().getFirst().to().startBytes())
                .as("re-aligned forwards, never back into the gap")
                .isEqualTo(2 * MIB);
    }

    @Test
    void aBiosBootPartitionKeepsItsPlaceAndSizeAndThePartitionAfterItGoesAround() throws Exception {
        // the layout gdisk makes for GRUB on GPT: EF02 at sector 34, the root partition after it
        Current boot = biosBoot(1, 34 * 512, MIB - 34 * 512);
        Current root = ext(2, MIB, 4 * GIB, GIB, GIB);
        Plan plan = plan(Scheme.GPT, 8 * GIB, List.of(boot, root), request(Map.of(2, 2 * GIB), Alignment.KIB_64));

        assertThat(plan.partitions().get(0).to()).isEqualTo(boot.range());
        assertThat(plan.partitions().get(1).to().startBytes()).isEqualTo(MIB);
        assertThat(plan.partitions().get(1).to().overlaps(boot.range())).isFalse();

        assertThatThrownBy(() ->
                        plan(Scheme.GPT, 8 * GIB, List.of(boot, root), request(Map.of(1, 2 * MIB), Alignment.MIB_1)))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessage(
                        "partition 1 keeps its place and size: boot code or a nested disklabel points at its sectors");
        Current grown = ext(1, MIB, GIB, 100 * MIB, 100 * MIB);
        Current fixedAfter = biosBoot(2, MIB + GIB, MIB);
        assertThatThrownBy(() -> plan(
                        Scheme.GPT, 8 * GIB, List.of(grown, fixedAfter), request(Map.of(1, 2 * GIB), Alignment.MIB_1)))
                .isInstanceOf(ImageException.Refused.class)
                .hasMessageContaining("partition 2 keeps its start at " + (MIB + GIB)
                        + " (boot code or a nested disklabel points at its sectors)");
    }

    @Test
    void aGptTailIsAsLongAsTheTablesOwnEntryArray() throws Exception {
        // 256 entries of 128 bytes: 64 sectors of backup entries and the backup header
        Plan plan = LayoutPlanner.plan(
                new LayoutPlanner.Disk(Scheme.GPT, 4 * GIB, 65 * 512),
                List.of(opaque(1, 66 * 512, GIB)),
                request(Map.of(), Alignment.NONE));
        assertThat(plan.partitions().getFirst().to().startBytes()).isEqualTo(66 * 512);
        assertThat(plan.requiredDiskBytes()).isEqualTo(66 * 512 + GIB + 65 * 512);
    }

    @Test
    void everyPlanKeepsOrderAlignmentSizesAndTheDisk() throws Exception {
        Random random = new Random(11);
        for (int round = 0; round < 2000; round++) {
            Scheme scheme = random.nextBoolean() ? Scheme.GPT : Scheme.MBR;
            Alignment alignment = Alignment.values()[random.nextInt(Alignment.values().length)];
            List<Current> partitions = new ArrayList<>();
            Map<Integer, Long> targets = new HashMap<>();
            Set<Integer> doNotAlign = new HashSet<>();
            long at = (1 + random.nextInt(4096)) * 512L + (scheme == Scheme.GPT ? 34 * 512 : 0);
            int count = 1 + random.nextInt(6);
            for (int i = 0; i < count; i++) {
                int number = scheme == Scheme.MBR && i >= 3 ? 5 + (i - 3) : i + 1;
                long size = (1 + random.nextInt(1 << 16)) * 512L * 64;
                if (number >= 5) {
                    at += 512;
                }
                if (random.nextInt(4) == 0) {
                    long minimum = size / (2 + random.nextInt(4));
                    partitions.add(ext(number, at, size, minimum, minimum));
                    if (random.nextBoolean()) {
                        targets.put(number, LayoutPlanner.roundUp(minimum + random.nextInt(1 << 20), 512));
                    }
                } else {
                    partitions.add(opaque(number, at, size));
                }
                if (i == 0 && random.nextInt(5) == 0) {
                    doNotAlign.add(number);
                }
                at += size + random.nextInt(1 << 20) * 512L;
            }
            long disk = at + 34 * 512 + random.nextInt(1 << 20) * 512L;
            Plan plan;
            try {
                plan = plan(
                        scheme, disk, partitions, new Request(targets, OptionalDouble.empty(), alignment, doNotAlign));
            } catch (ImageException e) {
                // Only growth beyond the disk or an overlapped do-not-align start may refuse here.
                assertThat(e.getMessage()).containsAnyOf("the new layout needs", "(do not align)");
                continue;
            }
            long previousEnd = scheme == Scheme.GPT ? 34 * 512 : 512;
            for (int i = 0; i < plan.partitions().size(); i++) {
                Placed placed = plan.partitions().get(i);
                Current current = partitions.get(i);
                assertThat(placed.number()).isEqualTo(current.number());
                long gap = current.logical() ? 512 : 0;
                assertThat(placed.to().startBytes()).isGreaterThanOrEqualTo(previousEnd + gap);
                if (doNotAlign.contains(placed.number())) {
                    assertThat(placed.to().startBytes())
                            .isEqualTo(current.range().startBytes());
                } else {
                    assertThat(placed.to().startBytes() % alignment.bytes()).isZero();
                }
                long expected =
                        targets.getOrDefault(placed.number(), current.range().lengthBytes());
                assertThat(placed.to().lengthBytes()).isEqualTo(expected);
                assertThat(placed.to().lengthBytes())
                        .isGreaterThanOrEqualTo(current.minimumBytes().orElse(0));
                previousEnd = placed.to().endBytes();
            }
            assertThat(plan.requiredDiskBytes())
                    .isEqualTo(previousEnd + (scheme == Scheme.GPT ? 33 * 512 : 0))
                    .isLessThanOrEqualTo(disk);
        }
    }
}
