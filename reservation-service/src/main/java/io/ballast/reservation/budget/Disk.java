package io.ballast.reservation.budget;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A virtual disk as the reservation service keeps it: what inventory says of it, what its agent last reported, its
 * ballast per guest filesystem, the command and reclaims in flight, and its budget. Part of its datastore's
 * aggregate: changed only by {@link BudgetEngine} under the datastore's lock.
 *
 * <p>Its worst-case demand counts in-flight work pessimistically: a ballast being inflated counts at its old size,
 * one being deflated at its new size, and grown ballast stays unreclaimed until a reclaim result says it was punched.
 */
public final class Disk {

    /** Ballast sizes are whole MiB: finer steps would only churn commands. */
    public static final long GRANULE_BYTES = 1L << 20;

    private final String id;
    private String vmId;
    private String datastoreId;
    private Optional<String> hostId = Optional.empty();
    private long designatedBytes;
    private long overheadBytes;
    private String imagePath = "";
    private String serial = "";
    private boolean punchable = true;
    private Profile profile = Profile.DEFAULT;
    private boolean agentOnline;
    private Optional<Instant> lastReportAt = Optional.empty();
    private final Map<String, FilesystemUsage> filesystems = new TreeMap<>();
    private final Map<String, BallastSlot> ballasts = new TreeMap<>();
    private Optional<BallastCommand> command = Optional.empty();
    private final Map<String, PendingReclaim> reclaims = new LinkedHashMap<>();
    private final java.util.Set<String> failedReclaims = new java.util.TreeSet<>();
    private String incarnation = "0";
    private long generation;
    private long imageEpoch;
    private long budgetBytes;
    private long floorBytes;
    private Optional<Long> pinnedBallastBytes = Optional.empty();
    private final UsageHistory history;

    /**
     * A disk inventory announced: no agent seen yet, so no ballast and its whole designated size as its budget.
     *
     * @param overheadBytes what the image takes beyond the guest's data (format metadata), counted in its demand
     */
    public Disk(String id, String vmId, String datastoreId, long designatedBytes, long overheadBytes) {
        this.id = requireId(id, "disk");
        this.vmId = requireId(vmId, "VM");
        this.datastoreId = requireId(datastoreId, "datastore");
        this.history = new UsageHistory();
        resize(designatedBytes, overheadBytes);
        this.budgetBytes = designatedBytes;
    }

    /** A deep copy: what a store gives back after this disk was saved. */
    public Disk copy() {
        return restore(snapshot());
    }

    private static String requireId(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a " + what + " id is required");
        }
        return value;
    }

    /** This disk as a value, for a store. */
    public DiskSnapshot snapshot() {
        return snapshot(history.points());
    }

    /**
     * This disk as a value without its usage history (an empty one), for a store that keeps the history apart and
     * writes it only when it was read ({@code history().pointsIfRead()}); the forecast is in it.
     */
    public DiskSnapshot snapshotWithoutHistory() {
        return snapshot(List.of());
    }

    private DiskSnapshot snapshot(List<UsagePoint> historyPoints) {
        return new DiskSnapshot(
                id,
                vmId,
                datastoreId,
                hostId,
                designatedBytes,
                overheadBytes,
                imagePath,
                serial,
                punchable,
                profile,
                agentOnline,
                lastReportAt,
                List.copyOf(filesystems.values()),
                List.copyOf(ballasts.values()),
                command,
                List.copyOf(reclaims.values()),
                List.copyOf(failedReclaims),
                incarnation,
                generation,
                imageEpoch,
                budgetBytes,
                floorBytes,
                pinnedBallastBytes,
                historyPoints,
                history.knownForecast());
    }

    /** The disk a snapshot was taken of. */
    public static Disk restore(DiskSnapshot snapshot) {
        Disk disk = new Disk(
                snapshot.id(),
                snapshot.vmId(),
                snapshot.datastoreId(),
                snapshot.designatedBytes(),
                snapshot.overheadBytes());
        disk.hostId = snapshot.hostId();
        disk.imagePath = snapshot.imagePath();
        disk.serial = snapshot.serial();
        disk.punchable = snapshot.punchable();
        disk.profile = snapshot.profile();
        disk.agentOnline = snapshot.agentOnline();
        disk.lastReportAt = snapshot.lastReportAt();
        snapshot.filesystems().forEach(fs -> disk.filesystems.put(fs.mountPoint(), fs));
        snapshot.ballasts().forEach(slot -> disk.ballasts.put(slot.mountPoint(), slot));
        disk.command = snapshot.command();
        snapshot.reclaims().forEach(reclaim -> disk.reclaims.put(reclaim.jobId(), reclaim));
        disk.failedReclaims.addAll(snapshot.failedReclaims());
        disk.incarnation = snapshot.incarnation();
        disk.generation = snapshot.generation();
        disk.imageEpoch = snapshot.imageEpoch();
        disk.budgetBytes = snapshot.budgetBytes();
        disk.floorBytes = snapshot.floorBytes();
        disk.pinnedBallastBytes = snapshot.pinnedBallastBytes();
        disk.history.restore(snapshot.history(), snapshot.forecast());
        return disk;
    }

    // --- what the invariant counts ---------------------------------------------------------------------------

    /** The ballast the invariant may count: acknowledged sizes, an in-flight command at the smaller of its sizes. */
    public long countedBallastBytes() {
        return counted(command).ballastBytes();
    }

    /** {@code designated - ballast}: the most the guest can ever fill. */
    public long effectiveBytes() {
        return designatedBytes - Math.min(designatedBytes, countedBallastBytes());
    }

    /** Ballast bytes that may still be backed in the image (per filesystem, never more than its ballast counted). */
    public long unreclaimedBytes() {
        return counted(command).unreclaimedBytes();
    }

    /**
     * What a migration of this disk holds on its target from prepare to commit: its effective size (or its budget,
     * when a deflate is still to come), its overhead, and its ballast when a copy may write punched ranges as data
     * ({@code copiesPunchedRanges}), else what of it is unreclaimed.
     */
    public long migrationHoldBytes(boolean copiesPunchedRanges) {
        return Math.max(effectiveBytes(), budgetBytes())
                + overheadBytes()
                + (copiesPunchedRanges ? countedBallastBytes() : unreclaimedBytes());
    }

    /** {@code effective + unreclaimed + overhead}: the most physical space this disk can ever take. */
    public long worstCaseDemandBytes() {
        return demand(command);
    }

    /**
     * How much this disk's worst-case demand would grow if {@code targetBytes} were sent now for {@code mountPoint}
     * (0 or less for an inflate: it counts only once acknowledged).
     */
    public long demandIncreaseIfSent(String mountPoint, long targetBytes) {
        long from =
                ballasts.getOrDefault(mountPoint, BallastSlot.empty(mountPoint)).appliedBytes();
        BallastCommand hypothetical =
                new BallastCommand(mountPoint, generation + 1, targetBytes, from, Instant.EPOCH, 1);
        return demand(Optional.of(hypothetical)) - demand(command);
    }

    private long demand(Optional<BallastCommand> inFlight) {
        Counted counted = counted(inFlight);
        return designatedBytes
                - Math.min(designatedBytes, counted.ballastBytes())
                + counted.unreclaimedBytes()
                + overheadBytes;
    }

    private Counted counted(Optional<BallastCommand> inFlight) {
        long ballast = 0;
        long unreclaimed = 0;
        for (BallastSlot slot : ballasts.values()) {
            long trusted = slot.trustedBytes();
            if (inFlight.isPresent() && inFlight.get().mountPoint().equals(slot.mountPoint())) {
                trusted = Math.min(trusted, inFlight.get().countedBytes());
            }
            ballast += trusted;
            unreclaimed += Math.min(trusted, Math.max(slot.unreclaimedBytes(), slot.tamperedBytes()));
        }
        return new Counted(ballast, unreclaimed);
    }

    private record Counted(long ballastBytes, long unreclaimedBytes) {}

    /** Where its ballast stands: frozen while the agent is away, else by what is in flight. */
    public DiskState state() {
        if (!agentOnline) {
            return DiskState.FROZEN;
        }
        if (command.isPresent()) {
            return command.get().inflates() ? DiskState.INFLATING : DiskState.DEFLATING;
        }
        return reclaims.isEmpty() ? DiskState.STEADY : DiskState.RECLAIMING;
    }

    // --- what the planner reads -------------------------------------------------------------------------------

    /**
     * The smallest effective size this disk's filesystems allow while each keeps {@code freeRatio} free: {@code
     * designated} minus the most ballast they can hold (space outside any reported filesystem cannot hold ballast).
     * The whole designated size while no agent has reported.
     */
    public long effectiveKeepingFree(double freeRatio, long growthBytes) {
        if (filesystems.isEmpty()) {
            return designatedBytes;
        }
        long utilized = filesystems.values().stream()
                .mapToLong(FilesystemUsage::utilizedBytes)
                .sum();
        long ballastable = 0;
        for (FilesystemUsage fs : filesystems.values()) {
            long grown = utilized == 0
                    ? growthBytes / filesystems.size()
                    : (long) ((double) growthBytes * fs.utilizedBytes() / utilized);
            FilesystemUsage later = new FilesystemUsage(
                    fs.mountPoint(),
                    fs.totalBytes(),
                    Math.min(fs.totalBytes(), fs.utilizedBytes() + grown),
                    Math.max(0, fs.freeBytes() - grown),
                    fs.ballastBytes());
            ballastable += later.maxBallastBytes(freeRatio);
        }
        return designatedBytes - Math.min(designatedBytes, roundDown(ballastable));
    }

    /** The least budget the disk may have: its profile's free ratio kept, and never under a granted floor. */
    public long minimumBudgetBytes() {
        if (pinnedBallastBytes.isPresent()) {
            return designatedBytes - pinnedBallastBytes.get();
        }
        return Math.min(designatedBytes, Math.max(effectiveKeepingFree(profile.minFreeRatio(), 0), floorBytes));
    }

    /**
     * The least effective size the disk can be brought to: designated less the most ballast its filesystems hold
     * with the profile's minimum free ratio kept (or its pinned ballast); while no agent has reported, what it is now,
     * since nothing can be sent.
     */
    public long leastEffectiveBytes() {
        if (pinnedBallastBytes.isPresent()) {
            return designatedBytes - pinnedBallastBytes.get();
        }
        if (filesystems.isEmpty()) {
            return effectiveBytes();
        }
        return effectiveKeepingFree(profile.minFreeRatio(), 0);
    }

    /** The effective size the disk settles at with {@code budgetBytes}: the budget, or more where it cannot go lower. */
    public long settledEffectiveBytes(long budgetBytes) {
        return Math.max(budgetBytes, leastEffectiveBytes());
    }

    /**
     * Whether no filesystem counts more ballast than the budget wants: every deflate the budget needs has been sent
     * (and counts), so the budget is the disk's.
     */
    public boolean atBudget() {
        for (Map.Entry<String, Long> wanted : desiredBallasts().entrySet()) {
            long counted = ballasts.getOrDefault(wanted.getKey(), BallastSlot.empty(wanted.getKey()))
                    .trustedBytes();
            if (command.isPresent() && command.get().mountPoint().equals(wanted.getKey())) {
                counted = Math.min(counted, command.get().countedBytes());
            }
            if (counted > wanted.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Utilized bytes over all reported filesystems. */
    public long utilizedBytes() {
        return filesystems.values().stream()
                .mapToLong(FilesystemUsage::utilizedBytes)
                .sum();
    }

    /**
     * The ballast each filesystem should hold for the disk's budget (or its pinned ballast): spread over the
     * filesystems in proportion to what each can give, each within what it can give; whole MiB.
     */
    public Map<String, Long> desiredBallasts() {
        Map<String, Long> desired = new TreeMap<>();
        double freeRatio = pinnedBallastBytes.isPresent() ? 0.0 : profile.minFreeRatio();
        long wanted = pinnedBallastBytes.orElse(designatedBytes - budgetBytes);
        Map<String, Long> caps = new TreeMap<>();
        long capTotal = 0;
        for (FilesystemUsage fs : filesystems.values()) {
            long cap = roundDown(fs.maxBallastBytes(freeRatio));
            caps.put(fs.mountPoint(), cap);
            capTotal += cap;
        }
        long target = Math.min(roundUp(Math.max(0, wanted)), capTotal);
        long given = 0;
        List<String> mounts = new ArrayList<>(caps.keySet());
        for (int i = 0; i < mounts.size(); i++) {
            String mount = mounts.get(i);
            long share = i == mounts.size() - 1
                    ? target - given
                    : roundDown(capTotal == 0 ? 0 : (long) ((double) target * caps.get(mount) / capTotal));
            share = Math.min(share, caps.get(mount));
            desired.put(mount, share);
            given += share;
        }
        // what the proportional shares left (rounding, a last filesystem at its cap) goes where there is room
        for (String mount : mounts) {
            if (given >= target) {
                break;
            }
            long more = Math.min(caps.get(mount) - desired.get(mount), target - given);
            desired.merge(mount, more, Long::sum);
            given += more;
        }
        return desired;
    }

    static long roundDown(long bytes) {
        return Math.floorDiv(bytes, GRANULE_BYTES) * GRANULE_BYTES;
    }

    static long roundUp(long bytes) {
        return Math.ceilDiv(bytes, GRANULE_BYTES) * GRANULE_BYTES;
    }

    // --- changes (package-private: the engine makes them) ------------------------------------------------------

    void resize(long designated, long overhead) {
        if (designated <= 0 || overhead < 0) {
            throw new IllegalArgumentException(
                    "disk " + id + ": designated " + designated + " and overhead " + overhead + " bytes");
        }
        this.designatedBytes = designated;
        this.overheadBytes = overhead;
        this.budgetBytes = Math.min(budgetBytes == 0 ? designated : budgetBytes, designated);
        this.floorBytes = Math.min(floorBytes, designated);
    }

    void placeOn(String newDatastoreId) {
        this.datastoreId = requireId(newDatastoreId, "datastore");
    }

    void describe(String newVmId, String newImagePath, String newSerial, boolean canPunch) {
        this.vmId = requireId(newVmId, "VM");
        this.imagePath = Objects.requireNonNull(newImagePath);
        this.serial = Objects.requireNonNull(newSerial);
        this.punchable = canPunch;
    }

    void runsOn(Optional<String> host) {
        this.hostId = host;
    }

    void profile(Profile newProfile) {
        this.profile = Objects.requireNonNull(newProfile);
    }

    void online(boolean online) {
        this.agentOnline = online;
    }

    /** Takes a usage report: the filesystems as they are now, and a point of usage history. */
    void report(List<FilesystemUsage> usage, Instant at) {
        filesystems.clear();
        for (FilesystemUsage fs : usage) {
            filesystems.put(fs.mountPoint(), fs);
            ballasts.computeIfPresent(fs.mountPoint(), (mount, slot) -> slot.reported(fs.ballastBytes()));
        }
        lastReportAt = Optional.of(at);
        agentOnline = true;
        history.add(at, utilizedBytes());
    }

    BallastCommand issue(String mountPoint, long targetBytes, Instant at) {
        long from =
                ballasts.getOrDefault(mountPoint, BallastSlot.empty(mountPoint)).appliedBytes();
        generation++;
        BallastCommand issued = new BallastCommand(mountPoint, generation, targetBytes, from, at, 1);
        command = Optional.of(issued);
        return issued;
    }

    BallastCommand resend(Instant at) {
        BallastCommand again = command.orElseThrow().resent(at);
        command = Optional.of(again);
        return again;
    }

    /** The agent acknowledged the in-flight command with {@code actualBytes} (and where they lie, when it knows). */
    void acknowledged(long actualBytes, Optional<List<Extent>> extents) {
        BallastCommand done = command.orElseThrow();
        BallastSlot slot = ballasts.getOrDefault(done.mountPoint(), BallastSlot.empty(done.mountPoint()));
        ballasts.put(done.mountPoint(), slot.applied(actualBytes, done.generation(), extents));
        command = Optional.empty();
    }

    /**
     * The agent found the ballast of {@code mountPoint} gone or cut and made it again at the acknowledged
     * generation: its size and extents are new, and all of it is unreclaimed until the new ranges are punched.
     */
    void recreated(String mountPoint, long actualBytes, Optional<List<Extent>> extents) {
        BallastSlot slot = ballasts.get(mountPoint);
        if (slot != null) {
            ballasts.put(mountPoint, slot.recreated(actualBytes, extents));
        }
    }

    /** The agent could not apply the in-flight command; its ballast is {@code actualBytes} now. */
    void failed(long actualBytes) {
        BallastCommand done = command.orElseThrow();
        BallastSlot slot = ballasts.getOrDefault(done.mountPoint(), BallastSlot.empty(done.mountPoint()));
        if (actualBytes != slot.appliedBytes()) {
            // where a ballast of another size lies is not known: none of it counts as reclaimed, none is punched
            ballasts.put(done.mountPoint(), slot.applied(actualBytes, done.generation(), Optional.empty()));
        }
        command = Optional.empty();
    }

    void reclaimRequested(PendingReclaim reclaim) {
        reclaims.put(reclaim.jobId(), reclaim);
    }

    PendingReclaim reclaimResent(String jobId, Instant at) {
        PendingReclaim again = reclaims.get(jobId).resent(at);
        reclaims.put(jobId, again);
        return again;
    }

    /** A reclaim finished: its ranges are punched; {@code tamperedBytes} had been written back into them. */
    Optional<PendingReclaim> reclaimed(String jobId, long tamperedBytes, Instant at) {
        PendingReclaim done = reclaims.remove(jobId);
        if (done == null) {
            return Optional.empty();
        }
        BallastSlot slot = ballasts.get(done.mountPoint());
        if (slot != null) {
            ballasts.put(
                    done.mountPoint(),
                    done.measureOnly()
                            ? slot.checked(tamperedBytes, at)
                            : slot.reclaimed(done.generation(), tamperedBytes, at, done.extents()));
        }
        return Optional.of(done);
    }

    /** The worker said the job failed: it is no longer pending, and is not asked for again. */
    void reclaimFailed(String jobId) {
        if (reclaims.remove(jobId) != null) {
            failedReclaims.add(jobId);
        }
    }

    /** Whether a reclaim job of this id failed before. */
    public boolean reclaimFailedBefore(String jobId) {
        return failedReclaims.contains(jobId);
    }

    /** After a migration: the image is another file, none of its ballast ranges is known to be punched. */
    void movedToNewImage() {
        ballasts.replaceAll((mount, slot) -> new BallastSlot(
                mount,
                slot.appliedBytes(),
                slot.appliedGeneration(),
                slot.reportedBytes(),
                slot.appliedBytes(),
                slot.tamperedBytes(),
                slot.extents(),
                Optional.empty(),
                List.of()));
        reclaims.clear();
        failedReclaims.clear();
        imageEpoch++;
    }

    void budget(long bytes) {
        this.budgetBytes = Math.max(0, Math.min(designatedBytes, bytes));
    }

    void floor(long bytes) {
        this.floorBytes = Math.max(0, Math.min(designatedBytes, bytes));
    }

    void pin(Optional<Long> ballastBytes) {
        this.pinnedBallastBytes = ballastBytes;
        ballastBytes.ifPresent(bytes -> budgetBytes = designatedBytes - bytes);
    }

    // --- reads ---------------------------------------------------------------------------------------------------

    public String id() {
        return id;
    }

    public String vmId() {
        return vmId;
    }

    public String datastoreId() {
        return datastoreId;
    }

    public Optional<String> hostId() {
        return hostId;
    }

    public long designatedBytes() {
        return designatedBytes;
    }

    public long overheadBytes() {
        return overheadBytes;
    }

    public String imagePath() {
        return imagePath;
    }

    /** The serial the guest sees the disk by; empty when inventory knows none. */
    public String serial() {
        return serial;
    }

    /** Whether its image can have ranges punched out (raw and flat images; not qcow2 or sparse VMDK). */
    public boolean punchable() {
        return punchable;
    }

    public Profile profile() {
        return profile;
    }

    public boolean agentOnline() {
        return agentOnline;
    }

    public Optional<Instant> lastReportAt() {
        return lastReportAt;
    }

    public Collection<FilesystemUsage> filesystems() {
        return List.copyOf(filesystems.values());
    }

    public Collection<BallastSlot> ballasts() {
        return List.copyOf(ballasts.values());
    }

    public Optional<BallastSlot> ballast(String mountPoint) {
        return Optional.ofNullable(ballasts.get(mountPoint));
    }

    public Optional<BallastCommand> command() {
        return command;
    }

    public Collection<PendingReclaim> reclaims() {
        return List.copyOf(reclaims.values());
    }

    public long generation() {
        return generation;
    }

    /**
     * Which backing image the disk is on: 0 for the first, one more after each move to another image. Reclaim job ids
     * carry it, so a job for one image is never taken for a job for another.
     */
    public long imageEpoch() {
        return imageEpoch;
    }

    /**
     * Which coming of this disk it is: a disk removed and added again (or a store restored from an older backup)
     * starts its generations again, and reclaim job ids carry this so they never repeat an earlier one's.
     */
    public String incarnation() {
        return incarnation;
    }

    void incarnation(String value) {
        this.incarnation = requireId(value, "incarnation");
    }

    /** The effective size decided for the disk, which the engine drives its ballasts towards. */
    public long budgetBytes() {
        return budgetBytes;
    }

    /** The effective size a granted growth guarantees; the planner never plans the disk below it. */
    public long floorBytes() {
        return floorBytes;
    }

    /** A ballast an operator or an export bound fixed; the planner leaves such a disk alone. */
    public Optional<Long> pinnedBallastBytes() {
        return pinnedBallastBytes;
    }

    public UsageHistory history() {
        return history;
    }

    @Override
    public String toString() {
        return "Disk[" + id + ", vm " + vmId + ", " + state() + ", effective " + effectiveBytes() + ", budget "
                + budgetBytes + ", unreclaimed " + unreclaimedBytes() + "]";
    }
}
