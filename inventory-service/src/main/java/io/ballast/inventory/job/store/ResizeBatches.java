package io.ballast.inventory.job.store;

import io.ballast.inventory.fleet.Fleet;
import io.ballast.inventory.job.Job;
import io.ballast.inventory.job.Layout;
import io.ballast.inventory.job.ResizePlan;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.profile.store.ProfileStore;
import io.ballast.inventory.store.NativeRows;
import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.support.errors.Refusal;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resizes by profile for many VMs at once, in the order that saves the most first: each VM's raw or block-device disk
 * that would save the most by its profile (from the disk's latest layout), the largest projected savings first, VMs
 * whose disks were never scanned last (their scan goes first), then by VM id. Each VM's resize takes the single-job
 * path ({@link Jobs#resize}) in a transaction of its own, so a VM refused (leased, with a resize not ended, with
 * nothing to save) is named and the others go on. Profiles' schedules and {@code POST /api/v1/resize-jobs} for many
 * VMs both enqueue here.
 */
@ApplicationScoped
public class ResizeBatches {

    private final EntityManager entities;
    private final ProfileStore profiles;
    private final Layouts layouts;
    private final Jobs jobs;
    private final UsageStore usage;

    ResizeBatches(EntityManager entities, ProfileStore profiles, Layouts layouts, Jobs jobs, UsageStore usage) {
        this.usage = usage;
        this.entities = entities;
        this.profiles = profiles;
        this.layouts = layouts;
        this.jobs = jobs;
    }

    /** One VM's disk to right-size, and what it would save (empty before its first scan). */
    public record Candidate(String vmId, String diskId, Optional<Long> savingsBytes) {}

    /** What became of one VM of a batch. */
    public sealed interface Outcome permits Enqueued, Refused {
        String vmId();
    }

    /** Its resize was created (and sent, or its scan sent first). */
    public record Enqueued(Candidate candidate, Job job) implements Outcome {
        @Override
        public String vmId() {
            return candidate.vmId();
        }
    }

    /** Its resize was refused; nothing was created for it. */
    public record Refused(String vmId, Refusal refusal) implements Outcome {}

    /**
     * Creates a resize of each of {@code vmIds} as {@code request} says (by profile), largest projected savings first,
     * for the window of a schedule that opened at {@code window} if given.
     *
     * @return each VM's outcome in the order they were decided: the VMs that could be resized in batch order, then
     *     those unknown (or gone) or without a disk a resize can change, in the order given
     */
    public List<Outcome> enqueue(List<String> vmIds, Job.Request request, Optional<Instant> window) {
        List<Candidate> candidates = candidates(vmIds);
        Set<String> known = known(vmIds);
        List<Outcome> outcomes = new ArrayList<>();
        for (Candidate candidate : candidates) {
            try {
                Job job = jobs.resize(candidate.vmId(), Optional.of(candidate.diskId()), request, window);
                outcomes.add(new Enqueued(candidate, job));
            } catch (Refusal refused) {
                outcomes.add(new Refused(candidate.vmId(), refused));
            }
        }
        Set<String> decided = new HashSet<>();
        candidates.forEach(candidate -> decided.add(candidate.vmId()));
        for (String vmId : vmIds) {
            if (!decided.add(vmId)) {
                continue;
            }
            outcomes.add(new Refused(
                    vmId,
                    known.contains(vmId)
                            ? new Refusal.FailedPrecondition("VM " + vmId + " has no raw image or block device:"
                                    + " a resize works in place on those only")
                            : new Refusal.NotFound("VM", vmId)));
        }
        return outcomes;
    }

    /** The VMs of {@code vmIds} inventory knows and that are not gone. */
    private Set<String> known(List<String> vmIds) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Set<String> known = new HashSet<>();
            for (Object[] row : NativeRows.rows(
                    entities, "SELECT id, 0 FROM inventory.vm WHERE id = ANY (?1) AND gone_at IS NULL", (Object)
                            vmIds.toArray(String[]::new))) {
                known.add((String) row[0]);
            }
            return known;
        });
    }

    /** Each VM's disk that would save the most by its profile, in batch order. */
    private List<Candidate> candidates(List<String> vmIds) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Map<String, Layout> known = layouts.all();
            Map<String, Long> growth = usage.growthBytesPerDay(Optional.empty());
            Map<String, Profile> byName = new HashMap<>();
            Map<String, Candidate> best = new LinkedHashMap<>();
            for (Object[] row : NativeRows.rows(
                    entities,
                    "SELECT v.id, v.profile, d.id FROM inventory.vm v JOIN inventory.virtual_disk d ON d.vm_id = v.id"
                            + " WHERE v.id = ANY (?1) AND v.gone_at IS NULL AND d.gone_at IS NULL"
                            + " AND d.image_kind IN (?2, ?3) ORDER BY v.id, d.id",
                    vmIds.toArray(String[]::new),
                    Fleet.ImageKind.RAW.name(),
                    Fleet.ImageKind.BLOCK_DEVICE.name())) {
                String vm = (String) row[0];
                String disk = (String) row[2];
                Profile profile = byName.computeIfAbsent((String) row[1], profiles::ofVm);
                Optional<Long> savings = Optional.ofNullable(known.get(disk))
                        .map(layout -> ResizePlan.byProfile(layout, profile, growth.getOrDefault(disk, 0L))
                                .savingsBytes());
                Candidate current = best.get(vm);
                if (current == null
                        || savings.orElse(-1L) > current.savingsBytes().orElse(-1L)) {
                    best.put(vm, new Candidate(vm, disk, savings));
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
