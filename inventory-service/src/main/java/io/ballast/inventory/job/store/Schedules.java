package io.ballast.inventory.job.store;

import io.ballast.inventory.fleet.Fleet;
import io.ballast.inventory.job.Job;
import io.ballast.inventory.job.Layout;
import io.ballast.inventory.job.ResizePlan;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.profile.Schedule;
import io.ballast.inventory.profile.store.ProfileStore;
import io.ballast.inventory.store.NativeRows;
import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.support.errors.Refusal;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Profiles' schedules: while a profile's maintenance window is open, each of its VMs gets one resize by profile,
 * largest projected savings first (VMs whose disks were never scanned last: their scan goes first). A VM that is
 * leased, has a resize not ended, had one in this window, or would save nothing is left out. Several instances may
 * check at once: a VM's resize is decided under its row lock, so it is enqueued once.
 */
@ApplicationScoped
public class Schedules {

    private static final Logger LOG = Logger.getLogger(Schedules.class);

    private final EntityManager entities;
    private final ProfileStore profiles;
    private final Layouts layouts;
    private final Jobs jobs;
    private final UsageStore usage;
    private final Clock clock = Clock.systemUTC();

    Schedules(EntityManager entities, ProfileStore profiles, Layouts layouts, Jobs jobs, UsageStore usage) {
        this.usage = usage;
        this.entities = entities;
        this.profiles = profiles;
        this.layouts = layouts;
        this.jobs = jobs;
    }

    /** A resize a schedule enqueued. */
    public record Enqueued(String profile, String vmId, String jobId, Optional<Long> projectedSavingsBytes) {}

    @Scheduled(
            identity = "ballast-inventory-schedules",
            every = "${ballast.inventory.schedule.check-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void check() {
        enqueueDue(clock.instant());
    }

    /** Enqueues the resizes whose profile's window is open at {@code now}, in the order they were enqueued. */
    public List<Enqueued> enqueueDue(Instant now) {
        List<Enqueued> enqueued = new ArrayList<>();
        for (Profile profile : scheduled()) {
            Schedule schedule = profile.schedule().orElseThrow();
            Optional<Instant> window = schedule.openWindowAt(now);
            if (window.isEmpty()) {
                continue;
            }
            for (Candidate candidate : candidates(profile)) {
                try {
                    Job job = jobs.resize(
                            candidate.vmId(),
                            Optional.of(candidate.diskId()),
                            new Job.Request(List.of(), true, Optional.empty(), Optional.empty(), false, true, true),
                            window);
                    enqueued.add(new Enqueued(profile.name(), candidate.vmId(), job.id(), candidate.savingsBytes()));
                } catch (Refusal refused) {
                    LOG.debugf(
                            "scheduled resize left out profile=%s vm=%s reason=%s",
                            profile.name(), candidate.vmId(), refused.getMessage());
                }
            }
        }
        if (!enqueued.isEmpty()) {
            LOG.infof("scheduled resizes enqueued=%d", enqueued.size());
        }
        return enqueued;
    }

    private List<Profile> scheduled() {
        List<Profile> scheduled = new ArrayList<>();
        Optional<String> after = Optional.empty();
        do {
            Optional<String> from = after;
            var page = QuarkusTransaction.requiringNew()
                    .call(() -> profiles.list(from, io.ballast.inventory.fleet.Page.MAX_SIZE));
            page.items().stream().filter(p -> p.schedule().isPresent()).forEach(scheduled::add);
            after = page.next();
        } while (after.isPresent());
        return scheduled;
    }

    /** One disk of a VM to right-size, and what it would save (empty before its first scan). */
    private record Candidate(String vmId, String diskId, Optional<Long> savingsBytes) {}

    /** The profile's VMs, each with its disk that would save the most, the largest savings first. */
    private List<Candidate> candidates(Profile profile) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, Layout> known = layouts.all();
            Map<String, Long> growth = usage.growthBytesPerDay(Optional.empty());
            Map<String, Candidate> best = new java.util.LinkedHashMap<>();
            for (Object[] row : NativeRows.rows(
                    entities,
                    "SELECT v.id, d.id FROM inventory.vm v JOIN inventory.virtual_disk d ON d.vm_id = v.id"
                            + " WHERE v.profile = ?1 AND v.gone_at IS NULL AND d.gone_at IS NULL"
                            + " AND d.image_kind IN (?2, ?3) ORDER BY v.id, d.id",
                    profile.name(),
                    Fleet.ImageKind.RAW.name(),
                    Fleet.ImageKind.BLOCK_DEVICE.name())) {
                String vm = (String) row[0];
                String disk = (String) row[1];
                Optional<Long> savings = Optional.ofNullable(known.get(disk))
                        .map(layout -> ResizePlan.byProfile(layout, profile, growth.getOrDefault(disk, 0L))
                                .savingsBytes());
                Candidate candidate = new Candidate(vm, disk, savings);
                Candidate current = best.get(vm);
                if (current == null
                        || savings.orElse(-1L) > current.savingsBytes().orElse(-1L)) {
                    best.put(vm, candidate);
                }
            }
            return best.values().stream()
                    .sorted(Comparator.comparing(
                                    (Candidate c) -> c.savingsBytes().orElse(-1L))
                            .reversed()
                            .thenComparing(Candidate::vmId))
                    .toList();
        });
    }
}
