package io.ballast.inventory.job.store;

import io.ballast.inventory.job.Job;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.profile.Schedule;
import io.ballast.inventory.profile.store.ProfileStore;
import io.ballast.inventory.store.NativeRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Profiles' schedules: while a profile's maintenance window is open, each of its VMs gets one resize by profile,
 * enqueued as a batch ({@link ResizeBatches}: largest projected savings first, VMs whose disks were never scanned
 * last). A VM that is leased, has a resize not ended, had one in this window, would save nothing or has no disk a
 * resize can change is left out. Several instances may check at once: a VM's resize is decided under its row lock, so
 * it is enqueued once.
 */
@ApplicationScoped
public class Schedules {

    private static final Logger LOG = Logger.getLogger(Schedules.class);

    private final EntityManager entities;
    private final ProfileStore profiles;
    private final ResizeBatches batches;
    private final Clock clock = Clock.systemUTC();

    Schedules(EntityManager entities, ProfileStore profiles, ResizeBatches batches) {
        this.entities = entities;
        this.profiles = profiles;
        this.batches = batches;
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
        Job.Request byProfile = new Job.Request(List.of(), true, Optional.empty(), Optional.empty(), false, true, true);
        for (Profile profile : scheduled()) {
            Schedule schedule = profile.schedule().orElseThrow();
            Optional<Instant> window = schedule.openWindowAt(now);
            if (window.isEmpty()) {
                continue;
            }
            for (ResizeBatches.Outcome outcome : batches.enqueue(vmsOf(profile), byProfile, window)) {
                switch (outcome) {
                    case ResizeBatches.Enqueued sent ->
                        enqueued.add(new Enqueued(
                                profile.name(),
                                sent.vmId(),
                                sent.job().id(),
                                sent.candidate().savingsBytes()));
                    case ResizeBatches.Refused refused ->
                        LOG.debugf(
                                "scheduled resize left out profile=%s vm=%s reason=%s",
                                profile.name(),
                                refused.vmId(),
                                refused.refusal().getMessage());
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

    /** The VMs that name the profile and are not gone, in id order. */
    private List<String> vmsOf(Profile profile) {
        return QuarkusTransaction.requiringNew().call(() -> NativeRows.rows(
                        entities,
                        "SELECT id, 0 FROM inventory.vm WHERE profile = ?1 AND gone_at IS NULL ORDER BY id",
                        profile.name())
                .stream()
                .map(row -> (String) row[0])
                .toList());
    }
}
