package io.ballast.reservation.budget.metrics;

import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.InvariantTerms;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * What the reservation service shows Prometheus: each datastore's invariant terms as its last decision in this
 * instance left them ({@code ballast_datastore_*}), commands in flight, how long acknowledgements and reclaims take,
 * reports nobody could be attributed, and {@code ballast_invariant_violations_total}, which must stay 0.
 *
 * <p>Several instances each show the datastores they decided on; every instance passes over every datastore each
 * tick, so each shows all of them within a tick.
 */
@ApplicationScoped
public class BudgetMetrics {

    private final MeterRegistry registry;
    private final Map<String, Figures> datastores = new ConcurrentHashMap<>();
    private final Counter violations;
    private final Timer ackLatency;
    private final Timer reclaimLatency;
    private final Timer tickPass;
    private final Counter ticksSkipped;

    BudgetMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.violations = Counter.builder("ballast.invariant.violations")
                .description("Decisions that raised a datastore's worst-case demand above its limit; must stay 0")
                .register(registry);
        this.ackLatency = Timer.builder("ballast.ballast.ack")
                .description("From a ballast command's last send to the agent's acknowledgement")
                .publishPercentileHistogram()
                .register(registry);
        this.reclaimLatency = Timer.builder("ballast.reclaim")
                .description("From a reclaim job's last send to the worker's result")
                .publishPercentileHistogram()
                .register(registry);
        this.tickPass = Timer.builder("ballast.reservation.tick")
                .description("One pass of this instance over every datastore: expiries, resends and plans")
                .register(registry);
        this.ticksSkipped = Counter.builder("ballast.reservation.ticks.skipped")
                .description("Datastores a pass left to the next one because another decision held them")
                .register(registry);
    }

    /** A pass over every datastore took {@code took}; {@code skipped} of them were busy with another decision. */
    public void ticked(Duration took, int skipped) {
        tickPass.record(took);
        ticksSkipped.increment(skipped);
    }

    /** A decision found {@code count} violations of the invariant it should have kept. */
    public void violations(int count) {
        if (count > 0) {
            violations.increment(count);
        }
    }

    /** The datastore as a decision left it. */
    public void decided(Datastore datastore) {
        Figures figures = datastores.computeIfAbsent(datastore.id(), this::register);
        figures.terms = datastore.terms();
        figures.commandsInFlight = datastore.disks().stream()
                .filter(disk -> disk.command().isPresent())
                .count();
        figures.reclaimsInFlight = datastore.disks().stream()
                .mapToLong(disk -> disk.reclaims().size())
                .sum();
    }

    /** The datastore's forecast time to full: empty when nothing grows towards it. */
    public void timeToFull(String datastoreId, Optional<Duration> timeToFull) {
        Figures figures = datastores.computeIfAbsent(datastoreId, this::register);
        figures.timeToFullSeconds =
                timeToFull.map(Duration::toSeconds).map(Long::doubleValue).orElse(Double.NaN);
    }

    /** The datastore is gone: its series go too. */
    public void removed(String datastoreId) {
        Figures figures = datastores.remove(datastoreId);
        if (figures != null) {
            figures.meters.forEach(registry::remove);
        }
    }

    public void acknowledged(Duration sinceSent) {
        ackLatency.record(sinceSent);
    }

    /**
     * A reclaim job of {@code datastoreId} finished: {@code freedBytes} of its image stopped being backed, and it
     * was answered {@code sinceSent} after it was last sent (empty when the job is not one this datastore waits for).
     */
    public void reclaimed(String datastoreId, Optional<Duration> sinceSent, long freedBytes) {
        sinceSent.ifPresent(reclaimLatency::record);
        datastores.computeIfAbsent(datastoreId, this::register).reclaimedBytes.increment(Math.max(0, freedBytes));
    }

    /** An agent's report or acknowledgement that named no disk of its VM: nothing was done on its account. */
    public void unattributed(String reason) {
        Counter.builder("ballast.reports.unattributed")
                .description(
                        "Agent reports and acknowledgements about a disk inventory does not place on the agent's VM")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    private Figures register(String datastoreId) {
        Figures figures = new Figures();
        Tags tags = Tags.of("datastore", datastoreId);
        figures.gauge(registry, "ballast.datastore.capacity.bytes", tags, f -> f.terms.capacityBytes());
        figures.gauge(registry, "ballast.datastore.reserve.bytes", tags, f -> f.terms.reserveBytes());
        figures.gauge(registry, "ballast.datastore.limit.bytes", tags, f -> f.terms.limitBytes());
        figures.gauge(registry, "ballast.datastore.worst.case.demand.bytes", tags, f -> f.terms.worstCaseDemandBytes());
        figures.gauge(registry, "ballast.datastore.other.bytes", tags, f -> f.terms.otherBytes());
        figures.gauge(registry, "ballast.datastore.holds.bytes", tags, f -> f.terms.holdBytes());
        figures.gauge(registry, "ballast.datastore.ballast.bytes", tags, f -> f.terms.ballastBytes());
        figures.gauge(registry, "ballast.datastore.headroom.bytes", tags, f -> f.terms.headroomBytes());
        figures.gauge(registry, "ballast.datastore.time.to.full.seconds", tags, f -> f.timeToFullSeconds);
        figures.gauge(registry, "ballast.commands.in.flight", tags, f -> f.commandsInFlight);
        figures.gauge(registry, "ballast.reclaims.in.flight", tags, f -> f.reclaimsInFlight);
        figures.reclaimedBytes = Counter.builder("ballast.reclaimed.bytes")
                .description("Bytes of the datastore's images that reclaim jobs punched out (backed before less after)")
                .tags(tags)
                .register(registry);
        figures.meters.add(figures.reclaimedBytes);
        return figures;
    }

    /** One datastore's latest figures, read by its gauges. */
    private static final class Figures {
        private final List<Meter> meters = new ArrayList<>();
        private Counter reclaimedBytes;
        private volatile InvariantTerms terms = new InvariantTerms(0, 0, 0, 0, 0, 0, 0, 0);
        private volatile double timeToFullSeconds = Double.NaN;
        private volatile long commandsInFlight;
        private volatile long reclaimsInFlight;

        void gauge(MeterRegistry registry, String name, Tags tags, ToDoubleFunction<Figures> value) {
            meters.add(Gauge.builder(name, this, value)
                    .tags(tags)
                    .strongReference(true)
                    .register(registry));
        }
    }
}
