package io.ballast.reservation.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Properties of {@link Planner#plan} over random datastores: sizes, usage, profiles and priorities. */
class PlannerPropertiesTest {

    private static final long GIB = 1L << 30;
    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    /** A disk as the property draws it. */
    record DiskSpec(long designatedGib, double usedShare, double minFree, double extraFree, int priority) {}

    @Provide
    Arbitrary<List<DiskSpec>> disks() {
        Arbitrary<DiskSpec> disk = Combinators.combine(
                        Arbitraries.longs().between(1, 200),
                        Arbitraries.doubles().between(0, 0.95),
                        Arbitraries.doubles().between(0, 0.5),
                        Arbitraries.doubles().between(0, 0.4),
                        Arbitraries.of(0, 25, 50, 75, 100))
                .as(DiskSpec::new);
        return disk.list().ofMinSize(1).ofMaxSize(30);
    }

    private static Datastore datastore(List<DiskSpec> specs, long capacityGib) {
        Datastore datastore = new Datastore("ds", capacityGib * GIB, 0, DatastorePolicy.strict(0));
        BudgetEngine engine = new BudgetEngine(EngineSettings.defaults());
        for (int i = 0; i < specs.size(); i++) {
            DiskSpec spec = specs.get(i);
            long designated = spec.designatedGib() * GIB;
            long used = (long) (designated * spec.usedShare());
            engine.diskUpserted(datastore, new DiskFacts("d" + i, "vm" + i, designated, 0, "/i", "", true), NOW);
            double minFree = Math.min(spec.minFree(), Profile.MAX_FREE_RATIO);
            Profile profile = new Profile(
                    "p", minFree, Math.min(Profile.MAX_FREE_RATIO, minFree + spec.extraFree()), spec.priority());
            engine.vmUpserted(datastore, "vm" + i, Optional.of("h"), profile, NOW);
            engine.usageReported(
                    datastore, "d" + i, List.of(new FilesystemUsage("/", designated, used, designated - used, 0)), NOW);
        }
        return datastore;
    }

    @Property(tries = 300)
    void everyDiskGetsAtLeastItsMinimumAndAtMostItsDesignatedSize(
            @ForAll("disks") List<DiskSpec> specs, @ForAll("capacity") long capacityGib) {
        Datastore datastore = datastore(specs, capacityGib);

        Plan plan = Planner.plan(datastore, Duration.ofDays(7));

        for (Disk disk : datastore.disks()) {
            Plan.Target target = plan.targets().get(disk.id());
            assertThat(target.targetBytes()).isGreaterThanOrEqualTo(target.minimumBytes());
            assertThat(target.targetBytes()).isLessThanOrEqualTo(disk.designatedBytes());
            assertThat(target.minimumBytes()).isLessThanOrEqualTo(target.desiredBytes());
        }
    }

    @Property(tries = 300)
    void whenTheMinimumsFitTheTargetsFitAndOtherwiseTheDeficitIsWhatTheyExceedBy(
            @ForAll("disks") List<DiskSpec> specs, @ForAll("capacity") long capacityGib) {
        Datastore datastore = datastore(specs, capacityGib);

        Plan plan = Planner.plan(datastore, Duration.ofDays(7));

        long minimums = plan.targets().values().stream()
                .mapToLong(Plan.Target::minimumBytes)
                .sum();
        long targets = plan.targets().values().stream()
                .mapToLong(Plan.Target::targetBytes)
                .sum();
        assertThat(plan.deficitBytes()).isEqualTo(Math.max(0, minimums - plan.budgetableBytes()));
        if (plan.deficitBytes() == 0) {
            assertThat(targets).isLessThanOrEqualTo(plan.budgetableBytes());
            assertThat(plan.unallocatedBytes()).isEqualTo(plan.budgetableBytes() - targets);
        } else {
            assertThat(targets).isEqualTo(minimums);
        }
    }

    @Property(tries = 300)
    void noDiskGetsSpareSpaceWhileOneOfHigherPriorityWantsMore(
            @ForAll("disks") List<DiskSpec> specs, @ForAll("capacity") long capacityGib) {
        Datastore datastore = datastore(specs, capacityGib);

        Plan plan = Planner.plan(datastore, Duration.ofDays(7));

        List<Disk> disks = new ArrayList<>(datastore.disks());
        for (Disk higher : disks) {
            Plan.Target h = plan.targets().get(higher.id());
            // short by more than rounding to whole MiB across the disks of its priority
            boolean wantsMore = h.desiredBytes() - h.targetBytes() > disks.size() * Disk.GRANULE_BYTES;
            if (!wantsMore) {
                continue;
            }
            for (Disk lower : disks) {
                if (lower.profile().priority() < higher.profile().priority()) {
                    Plan.Target l = plan.targets().get(lower.id());
                    assertThat(l.targetBytes())
                            .as(
                                    "%s (priority %d) gets spare while %s (priority %d) is short",
                                    lower.id(),
                                    lower.profile().priority(),
                                    higher.id(),
                                    higher.profile().priority())
                            .isEqualTo(l.minimumBytes());
                }
            }
        }
    }

    @Property(tries = 200)
    void planningChangesNothing(@ForAll("disks") List<DiskSpec> specs, @ForAll("capacity") long capacityGib) {
        Datastore datastore = datastore(specs, capacityGib);
        String before = datastore.toString() + datastore.disks();

        Planner.plan(datastore, Duration.ofDays(7));

        assertThat(datastore.toString() + datastore.disks()).isEqualTo(before);
    }

    @Provide
    Arbitrary<Long> capacity() {
        return Arbitraries.longs().between(1, 4000);
    }
}
