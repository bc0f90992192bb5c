package io.ballast.reservation.budget;

import io.ballast.support.errors.Refusal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The storage resource manager's decisions, on one datastore's aggregate at a time (two for a migration), with no
 * I/O: every input (an inventory change, a usage report, an acknowledgement, a reclaim result, a request, the passing
 * of time) changes the aggregate and returns a {@link Decision} with the commands, reclaim jobs and alerts to send
 * and the ledger lines to write.
 *
 * <p>It keeps each datastore's invariant at every instant, counting what is in flight pessimistically (see {@link
 * Disk}): space is taken back before it is given. After each input it drives every disk's ballasts towards its
 * budget: inflates are sent at once (they count only once acknowledged, so they can never raise demand); deflates
 * only while the datastore's headroom covers them (they count the moment they are sent), a disk with a pending
 * growth first, then by priority. Nothing is sent to, or granted on account of, a disk whose agent is offline. A
 * decision that raises a datastore's demand above its limit is counted as a violation in the {@link Decision}; none
 * should ever be.
 */
public final class BudgetEngine {

    private final EngineSettings settings;
    private final Supplier<String> incarnations;

    /** An engine giving each new disk a random incarnation. */
    public BudgetEngine(EngineSettings settings) {
        this(settings, () -> UUID.randomUUID().toString().substring(0, 8));
    }

    /** An engine taking new disks' incarnations from {@code incarnations} (a seeded source replays exactly). */
    public BudgetEngine(EngineSettings settings, Supplier<String> incarnations) {
        this.settings = settings;
        this.incarnations = incarnations;
    }

    public EngineSettings settings() {
        return settings;
    }

    // ---- inventory -------------------------------------------------------------------------------------------------

    /** Inventory's view of the datastore: its size and what other than Ballast's disks uses it. */
    public Decision datastoreUpserted(Datastore datastore, long capacityBytes, long otherBytes, Instant now) {
        datastore.size(capacityBytes, otherBytes);
        return settle(datastore, new Decision(), datastore.terms(), now);
    }

    /** An operator's policy: strict or relaxed, and the reserve. Tightening it inflates ballasts; never refused. */
    public Decision policyChanged(Datastore datastore, DatastorePolicy policy, Instant now) {
        datastore.policy(policy);
        return settle(datastore, new Decision(), datastore.terms(), now);
    }

    /**
     * What inventory says of a disk on this datastore: created with no ballast and its designated size as budget, or
     * updated (size, image, serial). A disk inventory moved here from another datastore is added by {@link
     * #diskMoved}.
     */
    public Decision diskUpserted(Datastore datastore, DiskFacts facts, Instant now) {
        Decision decision = new Decision();
        Disk disk = datastore.disk(facts.diskId()).orElse(null);
        if (disk == null) {
            disk = new Disk(
                    facts.diskId(), facts.vmId(), datastore.id(), facts.designatedBytes(), facts.overheadBytes());
            datastore.add(disk);
            decision.ledger(
                    new BudgetChange(datastore.id(), disk.id(), 0, disk.budgetBytes(), "disk added by inventory", now));
        } else {
            long before = disk.budgetBytes();
            disk.resize(facts.designatedBytes(), facts.overheadBytes());
            if (disk.budgetBytes() != before) {
                decision.ledger(new BudgetChange(
                        datastore.id(), disk.id(), before, disk.budgetBytes(), "designated size changed", now));
            }
        }
        String imageBefore = disk.imagePath();
        disk.describe(facts.vmId(), facts.imagePath(), facts.serial(), facts.punchable());
        if (!imageBefore.isBlank() && !imageBefore.equals(facts.imagePath())) {
            // another file (a migration's copy, whichever came first of its commit and this): none of its ballast
            // ranges is known to be punched, and a reclaim asked of the old file is no answer for it
            disk.movedToNewImage();
        }
        return settle(datastore, decision, datastore.terms(), now);
    }

    /** Inventory removed the disk: its demand leaves the datastore (and what it had in flight is forgotten). */
    public Decision diskRemoved(Datastore datastore, String diskId, Instant now) {
        Decision decision = new Decision();
        datastore
                .remove(diskId)
                .ifPresent(disk -> decision.ledger(new BudgetChange(
                        datastore.id(), diskId, disk.budgetBytes(), 0, "disk removed by inventory", now)));
        return settle(datastore, decision, datastore.terms(), now);
    }

    /**
     * A disk inventory now places on this datastore while the reservation had it on {@code from} (a move nobody
     * prepared): it leaves {@code from} and counts here from now on, its ballast unreclaimed on the new image.
     */
    public Decision diskMoved(Datastore from, Datastore to, String diskId, Instant now) {
        Decision decision = new Decision();
        Disk disk = from.remove(diskId).orElseThrow(() -> new Refusal.NotFound("disk", diskId));
        disk.placeOn(to.id());
        disk.movedToNewImage();
        to.add(disk);
        decision.ledger(new BudgetChange(
                from.id(), diskId, disk.budgetBytes(), 0, "moved to datastore " + to.id() + " without a prepare", now));
        decision.ledger(new BudgetChange(
                to.id(),
                diskId,
                0,
                disk.budgetBytes(),
                "moved from datastore " + from.id() + " without a prepare",
                now));
        settle(from, decision, from.terms(), now);
        return settle(to, decision, to.terms(), now);
    }

    /** The VM of some of this datastore's disks: where it runs (whose worker reclaims) and its profile. */
    public Decision vmUpserted(
            Datastore datastore, String vmId, Optional<String> hostId, Profile profile, Instant now) {
        for (Disk disk : datastore.disks()) {
            if (disk.vmId().equals(vmId)) {
                disk.runsOn(hostId);
                disk.profile(profile);
            }
        }
        return settle(datastore, new Decision(), datastore.terms(), now);
    }

    // ---- agents and workers ----------------------------------------------------------------------------------------

    /** A usage report of the disk's agent: its filesystems now; the agent is online. */
    public Decision usageReported(Datastore datastore, String diskId, List<FilesystemUsage> usage, Instant now) {
        Disk disk = requireDisk(datastore, diskId);
        disk.report(usage, now);
        Decision decision = new Decision();
        clearAlert(datastore, Alert.Kind.AGENT_OFFLINE, Optional.of(diskId));
        return settle(datastore, decision, datastore.terms(), now);
    }

    /**
     * The agent applied a command. Only the in-flight command's generation counts; an older or unknown one (a
     * duplicate, a superseded retry) changes nothing. For an inflate, the grown ballast is unreclaimed until the
     * worker punched its extents; where the agent could not say where they lie, the whole ballast stays unreclaimed.
     */
    public Decision ballastApplied(
            Datastore datastore,
            String diskId,
            String mountPoint,
            long generation,
            long actualBytes,
            Optional<List<Extent>> extents,
            Instant now) {
        Disk disk = requireDisk(datastore, diskId);
        Decision decision = new Decision();
        if (!inFlight(disk, mountPoint, generation)) {
            return settle(datastore, decision, datastore.terms(), now);
        }
        disk.acknowledged(actualBytes, extents);
        disk.online(true);
        return settle(datastore, decision, datastore.terms(), now);
    }

    /**
     * The agent found a ballast gone or cut and made it again, acknowledging it under the generation it last applied
     * ({@code BallastApplied} with {@code recreated}). The new blocks are unreclaimed until the new extents are
     * punched (those of the old ones are never punched again); an acknowledgement of any other generation changes
     * nothing.
     */
    public Decision ballastRecreated(
            Datastore datastore,
            String diskId,
            String mountPoint,
            long generation,
            long actualBytes,
            Optional<List<Extent>> extents,
            Instant now) {
        Disk disk = requireDisk(datastore, diskId);
        boolean current = disk.ballast(mountPoint)
                .filter(slot -> slot.appliedGeneration() == generation)
                .isPresent();
        if (current && !inFlight(disk, mountPoint, generation)) {
            disk.recreated(mountPoint, actualBytes, extents);
        }
        return settle(datastore, new Decision(), datastore.terms(), now);
    }

    /** The agent could not apply a command (no space, an I/O error); its ballast is {@code actualBytes}. */
    public Decision ballastFailed(
            Datastore datastore, String diskId, String mountPoint, long generation, long actualBytes, Instant now) {
        Disk disk = requireDisk(datastore, diskId);
        Decision decision = new Decision();
        if (inFlight(disk, mountPoint, generation)) {
            disk.failed(actualBytes);
        }
        return settle(datastore, decision, datastore.terms(), now);
    }

    /**
     * A reclaim job finished: its ranges are punched. {@code tamperedBytes} were found written back into ranges
     * punched before; they count as unreclaimed from now on and raise an alert.
     */
    public Decision reclaimFinished(Datastore datastore, String diskId, String jobId, long tamperedBytes, Instant now) {
        Disk disk = requireDisk(datastore, diskId);
        Decision decision = new Decision();
        Optional<PendingReclaim> done = disk.reclaimed(jobId, tamperedBytes, now);
        if (done.isPresent() && tamperedBytes > 0) {
            InvariantTerms terms = datastore.terms();
            decision.add(new Effect.RaiseAlert(new Alert(
                    datastore.id(),
                    Alert.Kind.BALLAST_TAMPERED,
                    Alert.Severity.WARNING,
                    Optional.of(diskId),
                    tamperedBytes,
                    terms.limitBytes(),
                    "the guest of VM " + disk.vmId() + " wrote " + tamperedBytes + " bytes back into the punched"
                            + " ballast of " + done.get().mountPoint() + "; they count as unreclaimed from now on")));
        }
        return settle(datastore, decision, datastore.terms(), now);
    }

    /**
     * The worker answered that a reclaim job failed (it punched nothing and will not for this job): its ballast stays
     * unreclaimed and the job is not asked again; a later acknowledgement asks for its own.
     */
    public Decision reclaimFailed(Datastore datastore, String diskId, String jobId, Instant now) {
        Disk disk = requireDisk(datastore, diskId);
        disk.reclaimFailed(jobId);
        return settle(datastore, new Decision(), datastore.terms(), now);
    }

    // ---- time ------------------------------------------------------------------------------------------------------

    /**
     * Time passed: holds, growths and migrations past their time expire; agents silent too long go offline;
     * unanswered commands and reclaims are sent again (same generation, same job); budgets are planned again, and the
     * datastore's alerts (minimums unmet, time to full) follow the plan.
     *
     * @param others the other datastores' room, for a migration recommendation when minimums are not met
     */
    public Decision tick(Datastore datastore, Collection<Room> others, Instant now) {
        Decision decision = new Decision();
        expire(datastore, decision, now);
        for (Disk disk : datastore.disks()) {
            boolean stale = disk.lastReportAt()
                    .map(at -> Duration.between(at, now).compareTo(settings.agentStaleAfter()) >= 0)
                    .orElse(true);
            if (disk.agentOnline() && stale) {
                disk.online(false);
                raiseAlert(
                        datastore,
                        decision,
                        new Alert(
                                datastore.id(),
                                Alert.Kind.AGENT_OFFLINE,
                                Alert.Severity.WARNING,
                                Optional.of(disk.id()),
                                disk.worstCaseDemandBytes(),
                                datastore.terms().limitBytes(),
                                "the agent of VM " + disk.vmId() + " has not reported since "
                                        + disk.lastReportAt()
                                                .map(Instant::toString)
                                                .orElse("it started")
                                        + "; disk " + disk.id() + " is frozen"));
            }
            if (!disk.agentOnline()) {
                continue;
            }
            if (disk.command().isPresent()
                    && Duration.between(disk.command().get().issuedAt(), now).compareTo(settings.commandTimeout())
                            >= 0) {
                decision.add(new Effect.SendBallast(disk.vmId(), disk.id(), disk.resend(now)));
            }
            recheckForTampering(disk, decision, now);
            for (PendingReclaim reclaim : disk.reclaims()) {
                if (Duration.between(reclaim.issuedAt(), now).compareTo(settings.reclaimTimeout()) >= 0) {
                    decision.add(new Effect.RequestReclaim(
                            disk.vmId(), disk.id(), disk.reclaimResent(reclaim.jobId(), now)));
                }
            }
        }
        rebalance(datastore, others, decision, now);
        return settle(datastore, decision, datastore.terms(), now);
    }

    /** How long a growth or migration that ended stays readable before the datastore forgets it. */
    private static final Duration ENDED_KEPT = Duration.ofDays(1);

    private void expire(Datastore datastore, Decision decision, Instant now) {
        datastore.forgetEnded(now.minus(ENDED_KEPT));
        for (Migration migration : datastore.migrations()) {
            if (migration.open() && !now.isBefore(migration.expiresAt())) {
                datastore.release(migration.holdId());
                datastore.migration(migration.with(
                        Migration.State.EXPIRED, "no commit before " + migration.expiresAt() + "; the hold is gone"));
            }
        }
        for (Growth growth : datastore.growths()) {
            if (growth.state() == Growth.State.PENDING && !now.isBefore(growth.expiresAt())) {
                datastore.disk(growth.diskId()).ifPresent(disk -> {
                    changeBudget(
                            datastore,
                            decision,
                            disk,
                            growth.previousBudgetBytes(),
                            "growth " + growth.id() + " expired before it was granted",
                            now);
                    disk.floor(growth.previousFloorBytes());
                });
                datastore.growth(growth.with(
                        Growth.State.EXPIRED,
                        "not granted before " + growth.expiresAt() + "; the disk's budget is as before"));
            }
        }
    }

    private void rebalance(Datastore datastore, Collection<Room> others, Decision decision, Instant now) {
        Plan plan = Planner.plan(datastore, settings.forecastHorizon());
        List<String> growing = datastore.growths().stream()
                .filter(g -> g.state() == Growth.State.PENDING)
                .map(Growth::diskId)
                .toList();
        for (Plan.Target target : plan.targets().values()) {
            Disk disk = datastore.disk(target.diskId()).orElseThrow();
            if (disk.pinnedBallastBytes().isPresent() || growing.contains(disk.id())) {
                continue;
            }
            long current = disk.budgetBytes();
            boolean belowMinimum = current < target.minimumBytes();
            if (belowMinimum || Math.abs(target.targetBytes() - current) >= settings.rebalanceStepBytes()) {
                changeBudget(datastore, decision, disk, target.targetBytes(), "plan", now);
            }
        }
        InvariantTerms terms = datastore.terms();
        if (plan.deficitBytes() > 0) {
            raiseAlert(
                    datastore,
                    decision,
                    new Alert(
                            datastore.id(),
                            Alert.Kind.MINIMUMS_UNMET,
                            Alert.Severity.CRITICAL,
                            Optional.empty(),
                            plan.budgetableBytes() + plan.deficitBytes(),
                            plan.budgetableBytes(),
                            "the disks' minimum budgets exceed what datastore " + datastore.id() + " can give by "
                                    + plan.deficitBytes() + " bytes"));
            MigrationAdvisor.recommend(datastore, plan.deficitBytes(), others, settings.copiesPunchedRanges())
                    .ifPresent(r -> decision.add(new Effect.RecommendMigration(r)));
        } else {
            clearAlert(datastore, Alert.Kind.MINIMUMS_UNMET, Optional.empty());
        }
        Optional<Duration> toFull = timeToFull(datastore, plan);
        if (toFull.isPresent() && toFull.get().compareTo(settings.forecastHorizon()) < 0) {
            raiseAlert(
                    datastore,
                    decision,
                    new Alert(
                            datastore.id(),
                            Alert.Kind.TIME_TO_FULL,
                            Alert.Severity.WARNING,
                            Optional.empty(),
                            terms.demandBytes(),
                            terms.limitBytes(),
                            "at the forecast growth, the disks' minimums use datastore " + datastore.id() + " up in "
                                    + toFull.get().toHours() + " h"));
        } else {
            clearAlert(datastore, Alert.Kind.TIME_TO_FULL, Optional.empty());
        }
    }

    /**
     * The datastore's outlook as the next tick would see it, for operators reading it: time to full and the migration
     * recommended while the minimums do not fit. Decides nothing.
     */
    public Outlook outlook(Datastore datastore, Collection<Room> others) {
        Plan plan = Planner.plan(datastore, settings.forecastHorizon());
        Optional<MigrationRecommendation> recommendation = plan.deficitBytes() > 0
                ? MigrationAdvisor.recommend(datastore, plan.deficitBytes(), others, settings.copiesPunchedRanges())
                : Optional.empty();
        return new Outlook(timeToFull(datastore, plan), recommendation);
    }

    /**
     * When the disks' minimums would use up what the datastore can give, at their forecast growth (the conservative
     * slope, scaled by each profile's minimum free ratio); empty when nothing grows.
     */
    public static Optional<Duration> timeToFull(Datastore datastore, Plan plan) {
        double bytesPerDay = 0;
        long minimums = 0;
        for (Disk disk : datastore.disks()) {
            Forecast forecast = disk.history().forecast();
            bytesPerDay += Math.max(0, forecast.upperSlopeBytesPerDay())
                    / (1 - disk.profile().minFreeRatio());
            minimums += plan.targets().get(disk.id()).minimumBytes();
        }
        if (bytesPerDay <= 0) {
            return Optional.empty();
        }
        long left = Math.max(0, plan.budgetableBytes() - minimums);
        return Optional.of(Duration.ofSeconds((long) (left / bytesPerDay * 86_400)));
    }

    // ---- requests --------------------------------------------------------------------------------------------------

    /**
     * An orchestrator asks for {@code additionalBytes} more effective space on a disk. Granted at once when the
     * datastore's headroom covers it; pending while other disks' spare is taken back (their ballasts inflate and are
     * reclaimed first); refused, with the migration that would make room, when even every other disk at its minimum
     * is not enough. A growth id seen before returns that growth as it stands.
     *
     * @throws Refusal.InvalidInput for a size that is not positive or takes the disk past its designated size
     * @throws Refusal.NotFound for an unknown disk
     * @throws Refusal.FailedPrecondition for a disk whose agent is offline or whose ballast is pinned
     */
    public GrowthOutcome requestGrowth(
            Datastore datastore,
            String growthId,
            String diskId,
            long additionalBytes,
            Collection<Room> others,
            Instant now) {
        Decision decision = new Decision();
        Optional<Growth> known = datastore.growth(growthId);
        if (known.isPresent()) {
            return new GrowthOutcome(known.get(), decision);
        }
        Disk disk = requireDisk(datastore, diskId);
        if (additionalBytes <= 0) {
            throw new Refusal.InvalidInput("additionalBytes", "must be positive, not " + additionalBytes);
        }
        if (additionalBytes > disk.designatedBytes() - disk.budgetBytes()) {
            throw new Refusal.InvalidInput(
                    "additionalBytes",
                    "disk " + diskId + " is designated " + disk.designatedBytes() + " bytes and its budget is "
                            + disk.budgetBytes() + ", so it can grow by "
                            + (disk.designatedBytes() - disk.budgetBytes())
                            + " bytes at most");
        }
        long newBudget = Math.min(Disk.roundUp(disk.budgetBytes() + additionalBytes), disk.designatedBytes());
        if (!disk.agentOnline()) {
            throw new Refusal.FailedPrecondition("the agent of disk " + diskId
                    + " is offline: nothing is granted on its account until it reports again");
        }
        if (disk.pinnedBallastBytes().isPresent()) {
            throw new Refusal.FailedPrecondition("disk " + diskId + " has a pinned ballast of "
                    + disk.pinnedBallastBytes().get() + " bytes (an override or an export bound); clear it first");
        }
        InvariantTerms baseline = datastore.terms();
        long increase = disk.settledEffectiveBytes(newBudget) - disk.settledEffectiveBytes(disk.budgetBytes());
        long shortfall = datastore.budgetedDemandBytes() + increase - baseline.limitBytes();
        List<Donation> donations = shortfall > 0 ? donations(datastore, disk, shortfall) : List.of();
        long donated = donations.stream().mapToLong(Donation::bytes).sum();
        Instant expires = now.plus(settings.growthTtl());
        if (donated < shortfall) {
            Optional<MigrationRecommendation> recommendation =
                    MigrationAdvisor.recommend(datastore, shortfall, others, settings.copiesPunchedRanges());
            Growth refused = new Growth(
                    growthId,
                    diskId,
                    additionalBytes,
                    disk.budgetBytes(),
                    disk.floorBytes(),
                    newBudget,
                    Growth.State.REFUSED,
                    now,
                    expires,
                    "datastore " + datastore.id() + " lacks " + shortfall + " bytes; the other disks could give "
                            + donated + " above their minimums"
                            + recommendation.map(r -> "; " + r.reason()).orElse(""),
                    recommendation);
            datastore.growth(refused);
            recommendation.ifPresent(r -> decision.add(new Effect.RecommendMigration(r)));
            return new GrowthOutcome(refused, settle(datastore, decision, baseline, now));
        }
        give(datastore, decision, donations, "growth " + growthId + " of disk " + diskId, now);
        Growth growth = new Growth(
                growthId,
                diskId,
                additionalBytes,
                disk.budgetBytes(),
                disk.floorBytes(),
                newBudget,
                Growth.State.PENDING,
                now,
                expires,
                donations.isEmpty()
                        ? "waiting for headroom"
                        : "taking " + donated + " bytes back from " + donations.size() + " other disk(s) first",
                Optional.empty());
        changeBudget(datastore, decision, disk, newBudget, "growth " + growthId, now);
        disk.floor(newBudget);
        datastore.growth(growth);
        settle(datastore, decision, baseline, now);
        return new GrowthOutcome(datastore.growth(growthId).orElseThrow(), decision);
    }

    /** A growth's decision: the growth as it stands, and what was decided for it. */
    public record GrowthOutcome(Growth growth, Decision decision) {}

    private record Donation(Disk disk, long bytes) {}

    /** Other disks' budgets above their minimums, lowest priority and largest spare first, until {@code need}. */
    private static List<Donation> donations(Datastore datastore, Disk growing, long need) {
        List<Donation> candidates = new ArrayList<>();
        for (Disk disk : datastore.disks()) {
            if (disk == growing
                    || !disk.agentOnline()
                    || disk.pinnedBallastBytes().isPresent()) {
                continue;
            }
            long spare = disk.settledEffectiveBytes(disk.budgetBytes())
                    - disk.settledEffectiveBytes(disk.minimumBudgetBytes());
            if (spare >= Disk.GRANULE_BYTES) {
                candidates.add(new Donation(disk, Disk.roundDown(spare)));
            }
        }
        candidates.sort(
                Comparator.comparingInt((Donation d) -> d.disk().profile().priority())
                        .thenComparing(Comparator.comparingLong(Donation::bytes).reversed())
                        .thenComparing(d -> d.disk().id()));
        List<Donation> taken = new ArrayList<>();
        long left = need;
        for (Donation candidate : candidates) {
            if (left <= 0) {
                break;
            }
            long bytes = Math.min(candidate.bytes(), Disk.roundUp(left));
            taken.add(new Donation(candidate.disk(), bytes));
            left -= bytes;
        }
        return taken;
    }

    /** Lowers each donor's budget by its donation, the ledger saying what for. */
    private static void give(Datastore datastore, Decision decision, List<Donation> donations, String to, Instant now) {
        for (Donation donation : donations) {
            changeBudget(
                    datastore,
                    decision,
                    donation.disk(),
                    donation.disk().budgetBytes() - donation.bytes(),
                    "gives " + donation.bytes() + " bytes to " + to,
                    now);
        }
    }

    /**
     * An operator fixes a disk's ballast ({@code ballastBytes}) or gives it back to the planner (empty). The budget the
     * ballast leaves must fit with every other disk at its minimum: the space the plan shared out above the minimums
     * is taken back from the others' targets first, whatever order the operator pins the disks in.
     *
     * @throws Refusal.InvalidInput for a size outside 0 to designated, or more than its filesystems can hold
     * @throws Refusal.FailedPrecondition when the budget the ballast leaves does not fit the datastore that way
     */
    public Decision override(Datastore datastore, String diskId, Optional<Long> ballastBytes, Instant now) {
        Disk disk = requireDisk(datastore, diskId);
        Decision decision = new Decision();
        InvariantTerms baseline = datastore.terms();
        if (ballastBytes.isEmpty()) {
            disk.pin(Optional.empty());
            decision.ledger(new BudgetChange(
                    datastore.id(), diskId, disk.budgetBytes(), disk.budgetBytes(), "override cleared", now));
            return settle(datastore, decision, baseline, now);
        }
        long bytes = ballastBytes.get();
        requireFits(disk, bytes, "ballastBytes");
        long newBudget = disk.designatedBytes() - bytes;
        // What the planner shared out above the disks' minimums is no one's yet: the pinned budget may take it, and
        // the plan that follows takes it back from the others' targets (inflating them before this disk deflates).
        long spare = Room.of(datastore).spareBytes();
        long aboveMinimum = newBudget - disk.minimumBudgetBytes();
        if (aboveMinimum > 0 && aboveMinimum > spare) {
            throw new Refusal.FailedPrecondition("a ballast of " + bytes + " bytes gives disk " + diskId + " "
                    + aboveMinimum + " bytes above its minimum, and datastore " + datastore.id() + " has "
                    + Math.max(0, spare) + " to share above every disk's minimum");
        }
        long before = disk.budgetBytes();
        disk.pin(ballastBytes);
        decision.ledger(new BudgetChange(
                datastore.id(), diskId, before, disk.budgetBytes(), "override: ballast " + bytes + " bytes", now));
        return settle(datastore, decision, baseline, now);
    }

    /**
     * Bounds a VM to {@code bytes} of effective space over its disks on this datastore (before it is exported or
     * moved to a smaller target): each disk gets a pinned ballast, the bytes shared in proportion to the disks'
     * designated sizes.
     *
     * @return the pinned ballast per disk, and the decision
     * @throws Refusal.NotFound when the VM has no disk here
     * @throws Refusal.InvalidInput when the VM's data does not fit {@code bytes}
     */
    public ExportBound exportBound(Datastore datastore, String vmId, long bytes, Instant now) {
        List<Disk> disks =
                datastore.disks().stream().filter(d -> d.vmId().equals(vmId)).toList();
        if (disks.isEmpty()) {
            throw new Refusal.NotFound("VM", vmId);
        }
        if (bytes <= 0) {
            throw new Refusal.InvalidInput("bytes", "must be positive, not " + bytes);
        }
        long designated = disks.stream().mapToLong(Disk::designatedBytes).sum();
        Decision decision = new Decision();
        InvariantTerms baseline = datastore.terms();
        Map<String, Long> ballasts = new java.util.TreeMap<>();
        long given = 0;
        for (int i = 0; i < disks.size(); i++) {
            Disk disk = disks.get(i);
            long share = i == disks.size() - 1
                    ? bytes - given
                    : Disk.roundDown((long) ((double) bytes * disk.designatedBytes() / designated));
            given += share;
            long ballast = Disk.roundUp(Math.max(0, disk.designatedBytes() - share));
            requireFits(disk, ballast, "bytes");
            ballasts.put(disk.id(), ballast);
        }
        for (Disk disk : disks) {
            long before = disk.budgetBytes();
            disk.pin(Optional.of(ballasts.get(disk.id())));
            decision.ledger(new BudgetChange(
                    datastore.id(),
                    disk.id(),
                    before,
                    disk.budgetBytes(),
                    "export bound of VM " + vmId + " to " + bytes + " bytes",
                    now));
        }
        return new ExportBound(ballasts, settle(datastore, decision, baseline, now));
    }

    /** The ballast pinned per disk by an export bound, and what was decided. */
    public record ExportBound(Map<String, Long> ballastBytes, Decision decision) {}

    private static void requireFits(Disk disk, long ballastBytes, String field) {
        if (ballastBytes < 0 || ballastBytes > disk.designatedBytes()) {
            throw new Refusal.InvalidInput(
                    field,
                    "a ballast of " + ballastBytes + " bytes is outside 0 to disk " + disk.id() + "'s designated "
                            + disk.designatedBytes());
        }
        long room = disk.filesystems().stream()
                .mapToLong(fs -> Disk.roundDown(fs.maxBallastBytes(0)))
                .sum();
        if (ballastBytes > room) {
            throw new Refusal.InvalidInput(
                    field,
                    "disk " + disk.id() + "'s filesystems can hold " + room + " bytes of ballast at most (what their"
                            + " guest does not use), not " + ballastBytes);
        }
    }

    /**
     * Prepares a disk's move from {@code source} to {@code target}: a hold for its worst-case demand on the target
     * (its effective size and overhead, and, unless migrations copy sparsely, its ballast until the new image is
     * reclaimed). When the target's headroom does not cover it yet, other disks' spare there is taken back first and
     * the migration waits (PENDING) until the hold fits. A migration id seen before for the disk returns it.
     *
     * @throws Refusal.FailedPrecondition when the target cannot hold it even with every disk there at its minimum
     */
    public MigrationOutcome prepareMigration(
            Datastore source, Datastore target, String migrationId, String diskId, Duration ttl, Instant now) {
        Optional<Migration> known = target.migration(migrationId, diskId);
        if (known.isPresent()) {
            return new MigrationOutcome(known.get(), new Decision());
        }
        if (source.id().equals(target.id())) {
            throw new Refusal.InvalidInput(
                    "toDatastoreId", "disk " + diskId + " is on datastore " + source.id() + " already");
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(Duration.ofDays(1)) > 0) {
            throw new Refusal.InvalidInput("ttl", "must be more than 0 and at most a day, not " + ttl);
        }
        Disk disk = requireDisk(source, diskId);
        long need = disk.migrationHoldBytes(settings.copiesPunchedRanges());
        Decision decision = new Decision();
        InvariantTerms baseline = target.terms();
        long shortfall = target.budgetedDemandBytes() + need - baseline.limitBytes();
        if (shortfall > 0) {
            List<Donation> donations = donations(target, null, shortfall);
            long donated = donations.stream().mapToLong(Donation::bytes).sum();
            if (donated < shortfall) {
                throw new Refusal.FailedPrecondition("datastore " + target.id() + " cannot hold disk " + diskId + "'s "
                        + need + " bytes: it lacks " + shortfall + " and its disks could give " + donated
                        + " above their minimums");
            }
            give(target, decision, donations, "migration " + migrationId + " of disk " + diskId, now);
        }
        Migration migration = new Migration(
                migrationId,
                disk.vmId(),
                diskId,
                source.id(),
                target.id(),
                need,
                Migration.State.PENDING,
                now,
                now.plus(ttl),
                "waiting for " + need + " bytes of headroom");
        target.migration(migration);
        settle(target, decision, baseline, now);
        return new MigrationOutcome(target.migration(migrationId, diskId).orElseThrow(), decision);
    }

    /** A migration's decision: the migration as it stands, and what was decided for it. */
    public record MigrationOutcome(Migration migration, Decision decision) {}

    /**
     * Commits a prepared migration: the disk's budget leaves {@code source} and takes the hold's place on {@code
     * target}; its ballast counts as unreclaimed there until the new image's ranges are punched.
     *
     * @throws Refusal.NotFound for a migration never prepared
     * @throws Refusal.FailedPrecondition for one not prepared yet, expired, aborted or committed
     */
    public Decision commitMigration(
            Datastore source, Datastore target, String migrationId, String diskId, Instant now) {
        Migration migration = target.migration(migrationId, diskId)
                .orElseThrow(() -> new Refusal.NotFound("migration", migrationId + " of disk " + diskId));
        if (migration.state() != Migration.State.PREPARED) {
            throw new Refusal.FailedPrecondition("migration " + migrationId + " of disk " + diskId + " is "
                    + migration.state()
                    + (migration.state() == Migration.State.EXPIRED
                            ? " (no commit before " + migration.expiresAt() + ")"
                            : "")
                    + ", not PREPARED");
        }
        if (!now.isBefore(migration.expiresAt())) {
            throw new Refusal.FailedPrecondition(
                    "migration " + migrationId + " expired at " + migration.expiresAt() + "; prepare it again");
        }
        Disk moving = requireDisk(source, diskId);
        long demandThere = moving.effectiveBytes()
                + moving.overheadBytes()
                + (settings.copiesPunchedRanges() ? moving.countedBallastBytes() : moving.unreclaimedBytes());
        long room = migration.needBytes() + Math.max(0, target.terms().headroomBytes());
        if (demandThere > room) {
            throw new Refusal.FailedPrecondition("disk " + diskId + " can take " + demandThere + " bytes on datastore "
                    + target.id() + " now, more than the " + migration.needBytes() + " held at prepare and the "
                    + Math.max(0, target.terms().headroomBytes()) + " of headroom there; prepare it again");
        }
        Decision decision = new Decision();
        InvariantTerms sourceBaseline = source.terms();
        InvariantTerms targetBaseline = target.terms();
        Disk disk = source.remove(diskId).orElseThrow(() -> new Refusal.NotFound("disk", diskId));
        disk.placeOn(target.id());
        if (settings.copiesPunchedRanges()) {
            disk.movedToNewImage();
        }
        target.release(migration.holdId());
        target.add(disk);
        target.migration(migration.with(Migration.State.COMMITTED, "the disk's budget moved here"));
        decision.ledger(new BudgetChange(
                source.id(),
                diskId,
                disk.budgetBytes(),
                0,
                "migrated to " + target.id() + " (" + migrationId + ")",
                now));
        decision.ledger(new BudgetChange(
                target.id(),
                diskId,
                0,
                disk.budgetBytes(),
                "migrated from " + source.id() + " (" + migrationId + ")",
                now));
        settle(source, decision, sourceBaseline, now);
        return settle(target, decision, targetBaseline, now);
    }

    /**
     * Aborts a migration: its hold is released.
     *
     * @throws Refusal.NotFound for a migration never prepared
     * @throws Refusal.FailedPrecondition for one already committed
     */
    public Decision abortMigration(Datastore target, String migrationId, String diskId, Instant now) {
        Migration migration = target.migration(migrationId, diskId)
                .orElseThrow(() -> new Refusal.NotFound("migration", migrationId + " of disk " + diskId));
        if (migration.state() == Migration.State.COMMITTED) {
            throw new Refusal.FailedPrecondition("migration " + migrationId + " of disk " + diskId
                    + " is committed; move the disk back with a migration of its own");
        }
        Decision decision = new Decision();
        InvariantTerms baseline = target.terms();
        if (migration.open()) {
            target.release(migration.holdId());
            target.migration(migration.with(Migration.State.ABORTED, "aborted; the hold is released"));
        }
        return settle(target, decision, baseline, now);
    }

    // ---- driving ballasts ------------------------------------------------------------------------------------------

    /**
     * After an input: sends what is safe, places the holds and grants the growths that now fit, raises or clears the
     * invariant alert, and counts a violation if the datastore's demand rose above its limit past {@code baseline}
     * (the terms after the input's facts, before anything this decision sent).
     */
    private Decision settle(Datastore datastore, Decision decision, InvariantTerms baseline, Instant now) {
        drive(datastore, decision, now);
        InvariantTerms after = datastore.terms();
        if (!after.holds() && after.demandBytes() > baseline.demandBytes()) {
            decision.violation();
        }
        if (!after.holds()) {
            raiseAlert(
                    datastore,
                    decision,
                    new Alert(
                            datastore.id(),
                            Alert.Kind.INVARIANT_AT_RISK,
                            Alert.Severity.CRITICAL,
                            Optional.empty(),
                            after.demandBytes(),
                            after.limitBytes(),
                            "worst-case demand on datastore " + datastore.id() + " is " + after.demandBytes()
                                    + " bytes, over its limit of " + after.limitBytes()
                                    + "; ballasts are being inflated"));
        } else {
            clearAlert(datastore, Alert.Kind.INVARIANT_AT_RISK, Optional.empty());
        }
        return decision;
    }

    private void drive(Datastore datastore, Decision decision, Instant now) {
        // reclaims for acknowledged ballast whose ranges are known and not yet asked for, before any deflate: a slot
        // with a reclaim in flight gives nothing back until the worker answered
        for (Disk disk : datastore.disks()) {
            requestReclaims(disk, decision, now);
        }
        // inflates first: they never raise demand, and their space is what deflates wait for
        for (Disk disk : datastore.disks()) {
            if (!disk.agentOnline() || disk.command().isPresent()) {
                continue;
            }
            for (Map.Entry<String, Long> wanted : disk.desiredBallasts().entrySet()) {
                long have = disk.ballast(wanted.getKey())
                        .map(BallastSlot::appliedBytes)
                        .orElse(0L);
                if (wanted.getValue() > have) {
                    send(disk, wanted.getKey(), wanted.getValue(), decision, now);
                    break;
                }
            }
        }
        // migrations waiting for their hold, oldest first, before anything is given to a disk
        long headroom = datastore.terms().headroomBytes();
        for (Migration migration : datastore.migrations()) {
            if (migration.state() == Migration.State.PENDING && migration.needBytes() <= headroom) {
                datastore.hold(new Hold(
                        migration.holdId(),
                        Hold.Purpose.MIGRATION,
                        migration.id(),
                        migration.diskId(),
                        migration.needBytes(),
                        migration.expiresAt()));
                datastore.migration(migration.with(Migration.State.PREPARED, "the hold is in place"));
                headroom -= migration.needBytes();
            }
        }
        // deflates within the headroom: disks with a pending growth first, then by priority
        List<String> growing = datastore.growths().stream()
                .filter(g -> g.state() == Growth.State.PENDING)
                .map(Growth::diskId)
                .toList();
        List<Disk> order = new ArrayList<>(datastore.disks());
        order.sort(Comparator.comparing((Disk d) -> !growing.contains(d.id()))
                .thenComparing(Comparator.comparingInt((Disk d) -> d.profile().priority())
                        .reversed())
                .thenComparing(Disk::id));
        for (Disk disk : order) {
            if (!disk.agentOnline() || disk.command().isPresent()) {
                continue;
            }
            for (Map.Entry<String, Long> wanted : disk.desiredBallasts().entrySet()) {
                String mount = wanted.getKey();
                long have = disk.ballast(mount).map(BallastSlot::appliedBytes).orElse(0L);
                if (wanted.getValue() >= have) {
                    continue;
                }
                if (disk.reclaims().stream().anyMatch(r -> r.mountPoint().equals(mount))) {
                    // a reclaim not yet answered may still punch these ranges: the guest gets none of them back
                    // before the worker said it is done
                    break;
                }
                long target = deflateWithin(disk, mount, wanted.getValue(), have, headroom);
                if (target < have) {
                    headroom -= disk.demandIncreaseIfSent(mount, target);
                    send(disk, mount, target, decision, now);
                }
                break;
            }
        }
        // growths whose deflate has been sent
        for (Growth growth : datastore.growths()) {
            if (growth.state() == Growth.State.PENDING) {
                datastore
                        .disk(growth.diskId())
                        .filter(Disk::atBudget)
                        .ifPresent(d -> datastore.growth(growth.with(Growth.State.GRANTED, "the deflate was sent")));
            }
        }
    }

    /**
     * The smallest ballast between {@code wanted} and {@code have} whose deflate the headroom covers, in whole MiB;
     * {@code have} when not even one MiB fits.
     */
    private static long deflateWithin(Disk disk, String mount, long wanted, long have, long headroom) {
        if (disk.demandIncreaseIfSent(mount, wanted) <= headroom) {
            return wanted;
        }
        long low = wanted; // does not fit
        long high = have; // fits (no change)
        while (high - low > Disk.GRANULE_BYTES) {
            long middle = Disk.roundDown(low + (high - low) / 2);
            if (middle <= low) {
                middle = low + Disk.GRANULE_BYTES;
            }
            if (disk.demandIncreaseIfSent(mount, middle) <= headroom) {
                high = middle;
            } else {
                low = middle;
            }
        }
        return high;
    }

    private static void send(Disk disk, String mount, long targetBytes, Decision decision, Instant now) {
        decision.add(new Effect.SendBallast(disk.vmId(), disk.id(), disk.issue(mount, targetBytes, now)));
    }

    private static void requestReclaims(Disk disk, Decision decision, Instant now) {
        if (!disk.punchable() || disk.hostId().isEmpty() || disk.imagePath().isBlank()) {
            return;
        }
        for (BallastSlot slot : disk.ballasts()) {
            if (slot.unreclaimedBytes() == 0
                    || slot.extents().isEmpty()
                    || slot.extents().get().isEmpty()) {
                continue;
            }
            if (disk.reclaimFailedBefore(reclaimJobId(disk, slot))
                    || shrinking(disk, slot)
                    || slot.trustedBytes() < slot.appliedBytes()) {
                // a ballast the guest's report saw cut is punched only once the agent made it whole again
                continue;
            }
            boolean asked = disk.reclaims().stream()
                    .anyMatch(r ->
                            r.mountPoint().equals(slot.mountPoint()) && r.generation() == slot.appliedGeneration());
            if (asked) {
                continue;
            }
            // Only the ranges not proven punched: any data found in them is the guest's old blocks the ballast took
            // (no tampering); ranges punched before are measured by the periodic tamper check.
            List<Extent> unpunched = slot.unpunchedExtents();
            boolean again = unpunched.isEmpty();
            PendingReclaim reclaim = new PendingReclaim(
                    reclaimJobId(disk, slot),
                    disk.hostId().get(),
                    disk.imagePath(),
                    slot.mountPoint(),
                    slot.appliedGeneration(),
                    again ? slot.extents().get() : unpunched,
                    again,
                    false,
                    now,
                    1);
            disk.reclaimRequested(reclaim);
            decision.add(new Effect.RequestReclaim(disk.vmId(), disk.id(), reclaim));
            if (!again && !slot.punchedExtents().isEmpty()) {
                // what the guest wrote back into the ranges punched before is measured alongside, punching nothing
                askTamperCheck(disk, slot, reclaimJobId(disk, slot) + "-check", decision, now);
            }
        }
    }

    /**
     * Measures a reclaimed ballast's ranges every {@link EngineSettings#tamperCheckEvery()}: the worker reports what
     * the guest wrote back into them since, which then counts as unreclaimed for good. It punches nothing: ranges
     * known some time ago may have stopped being ballast (a guest filesystem can move a file's blocks).
     */
    private void recheckForTampering(Disk disk, Decision decision, Instant now) {
        if (!disk.punchable() || disk.hostId().isEmpty() || disk.imagePath().isBlank()) {
            return;
        }
        for (BallastSlot slot : disk.ballasts()) {
            boolean due = slot.reclaimedAt()
                    .map(at -> Duration.between(at, now).compareTo(settings.tamperCheckEvery()) >= 0)
                    .orElse(false);
            boolean idle =
                    disk.reclaims().stream().noneMatch(r -> r.mountPoint().equals(slot.mountPoint()));
            if (!due || !idle || shrinking(disk, slot) || slot.punchedExtents().isEmpty()) {
                continue;
            }
            askTamperCheck(disk, slot, reclaimJobId(disk, slot) + "-check-" + now.getEpochSecond(), decision, now);
        }
    }

    /** A measure-only job over the slot's punched ranges: what the guest wrote back into them, punching nothing. */
    private static void askTamperCheck(Disk disk, BallastSlot slot, String jobId, Decision decision, Instant now) {
        PendingReclaim check = new PendingReclaim(
                jobId,
                disk.hostId().orElseThrow(),
                disk.imagePath(),
                slot.mountPoint(),
                slot.appliedGeneration(),
                slot.punchedExtents(),
                true,
                true,
                now,
                1);
        disk.reclaimRequested(check);
        decision.add(new Effect.RequestReclaim(disk.vmId(), disk.id(), check));
    }

    /**
     * Whether a deflate of the slot is in flight: its ranges may stop being ballast before a job reaches the worker,
     * so none is asked for until the agent answered (the acknowledgement's own extents are then reclaimed).
     */
    private static boolean shrinking(Disk disk, BallastSlot slot) {
        return disk.command()
                .filter(c -> c.mountPoint().equals(slot.mountPoint()) && !c.inflates())
                .isPresent();
    }

    private static String reclaimJobId(Disk disk, BallastSlot slot) {
        return "reclaim-" + disk.id() + "-" + disk.incarnation() + "-i" + disk.imageEpoch() + "-g"
                + slot.appliedGeneration() + "-"
                + Integer.toHexString(slot.mountPoint().hashCode()) + "-"
                + Integer.toHexString(slot.extents().map(List::hashCode).orElse(0));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------------

    private static boolean inFlight(Disk disk, String mountPoint, long generation) {
        return disk.command()
                .filter(c -> c.generation() == generation && c.mountPoint().equals(mountPoint))
                .isPresent();
    }

    private static Disk requireDisk(Datastore datastore, String diskId) {
        return datastore.disk(diskId).orElseThrow(() -> new Refusal.NotFound("disk", diskId));
    }

    private static void changeBudget(
            Datastore datastore, Decision decision, Disk disk, long bytes, String reason, Instant now) {
        long before = disk.budgetBytes();
        disk.budget(bytes);
        if (disk.budgetBytes() != before) {
            decision.ledger(new BudgetChange(datastore.id(), disk.id(), before, disk.budgetBytes(), reason, now));
        }
    }

    private static void raiseAlert(Datastore datastore, Decision decision, Alert alert) {
        if (datastore.raise(alert.key())) {
            decision.add(new Effect.RaiseAlert(alert));
        }
    }

    private static void clearAlert(Datastore datastore, Alert.Kind kind, Optional<String> diskId) {
        datastore.clear(kind + diskId.map(id -> "/" + id).orElse(""));
    }
}
