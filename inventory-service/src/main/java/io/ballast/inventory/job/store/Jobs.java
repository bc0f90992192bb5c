package io.ballast.inventory.job.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ballast.inventory.fleet.Fleet;
import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.fleet.store.FleetReads;
import io.ballast.inventory.history.VmHistory;
import io.ballast.inventory.job.Job;
import io.ballast.inventory.job.Layout;
import io.ballast.inventory.job.PartitionTarget;
import io.ballast.inventory.job.ResizePlan;
import io.ballast.inventory.lease.store.LeaseStore;
import io.ballast.inventory.profile.Alignment;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.profile.store.ProfileStore;
import io.ballast.inventory.store.HistoryRows;
import io.ballast.inventory.store.NativeRows;
import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.DiskLayout;
import io.ballast.proto.worker.v1.ImageResult;
import io.ballast.proto.worker.v1.PartitionLayout;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.proto.worker.v1.ScanJob;
import io.ballast.support.errors.Refusal;
import io.ballast.support.store.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Scan and resize jobs: created against the disk's known layout (a scan is sent first when none is known), sent to
 * the disk's host's worker through the outbox, followed through the worker's progress into their step history. A
 * VM has at most one resize job at a time that has not ended, and none while its lease is held.
 */
@ApplicationScoped
@Transactional
public class Jobs {

    private static final Logger LOG = Logger.getLogger(Jobs.class);
    private static final TypeReference<List<PartitionTarget>> TARGETS = new TypeReference<>() {};

    private final EntityManager entities;
    private final FleetReads fleet;
    private final ProfileStore profiles;
    private final LeaseStore leases;
    private final Outbox outbox;
    private final ObjectMapper json;
    private final Layouts layouts;
    private final UsageStore usage;
    private final Clock clock = Clock.systemUTC();

    Jobs(
            EntityManager entities,
            FleetReads fleet,
            ProfileStore profiles,
            LeaseStore leases,
            Outbox outbox,
            ObjectMapper json,
            Layouts layouts,
            UsageStore usage) {
        this.layouts = layouts;
        this.usage = usage;
        this.entities = entities;
        this.fleet = fleet;
        this.profiles = profiles;
        this.leases = leases;
        this.outbox = outbox;
        this.json = json;
    }

    // ---- creating ----------------------------------------------------------------------------------------------

    /**
     * A resize of one of a VM's disks ({@code diskId} may be empty for a VM with one disk). With the disk's layout
     * known, the targets are checked (or made from the VM's profile) and the job is sent at once; else a scan is sent
     * and the job waits for it.
     *
     * @throws Refusal.NotFound for an unknown or gone VM or disk
     * @throws Refusal.InvalidInput for targets that do not fit the layout, a disk of another VM, or neither targets
     *     nor by profile
     * @throws Refusal.FailedPrecondition while the VM is leased or has a resize job that has not ended, for an image
     *     that cannot be changed in place, or when the profile would change nothing
     */
    public Job resize(String vmId, Optional<String> diskId, Job.Request request) {
        return resize(vmId, diskId, request, Optional.empty());
    }

    /**
     * {@link #resize(String, Optional, Job.Request)} for the maintenance window of a schedule that opened at {@code
     * window}, refused when the VM had a resize in that window already: a window enqueues each VM once, however many
     * instances check it.
     */
    public Job resize(String vmId, Optional<String> diskId, Job.Request request, Optional<Instant> window) {
        Recorded.Vm vm = fleet.vm(vmId);
        if (vm.goneAt().isPresent()) {
            throw new Refusal.NotFound("VM", vmId);
        }
        Recorded.Disk disk = disk(vm, diskId);
        if (request.byProfile() == !request.targets().isEmpty()) {
            throw new Refusal.InvalidInput("targets", "give either targets or byProfile, not both or neither");
        }
        if (disk.kind() != Fleet.ImageKind.RAW && disk.kind() != Fleet.ImageKind.BLOCK_DEVICE) {
            throw new Refusal.FailedPrecondition("disk " + disk.id() + " is " + disk.kind()
                    + ": a resize works in place on raw images and block devices only");
        }
        lockVm(vmId);
        if (leases.held(vmId)) {
            throw new Refusal.FailedPrecondition("VM " + vmId + " is leased (a worker is changing its disks)");
        }
        Optional<String> active = activeResize(vmId);
        if (active.isPresent()) {
            throw new Refusal.FailedPrecondition("VM " + vmId + " has resize job " + active.get() + " not ended yet");
        }
        if (window.isPresent() && resizedIn(vmId, window.get())) {
            throw new Refusal.FailedPrecondition("VM " + vmId + " had a resize in this window already");
        }
        String id = UUID.randomUUID().toString();
        Optional<Layout> layout = layout(disk.id());
        if (layout.isEmpty()) {
            String scan = sendScan(vm, disk);
            insert(id, Job.Kind.RESIZE, vm, disk, Job.State.WAITING_FOR_SCAN, request, null, Optional.of(scan));
            step(id, "waiting", "the disk's layout is not known: scan " + scan + " was sent first", null, null);
            LOG.infof("resize waits for a scan job=%s vm=%s disk=%s scan=%s", id, vmId, disk.id(), scan);
        } else {
            ResizePlan plan = plan(vm, layout.get(), request);
            insert(id, Job.Kind.RESIZE, vm, disk, Job.State.QUEUED, request, plan, Optional.empty());
            sendResize(id, vm, disk, request, plan);
        }
        window.ifPresent(
                opened -> entities.createNativeQuery("UPDATE inventory.job SET scheduled_window = ?2 WHERE id = ?1")
                        .setParameter(1, UUID.fromString(id))
                        .setParameter(2, Timestamp.from(opened))
                        .executeUpdate());
        return get(id);
    }

    /** A scan of a disk, changing nothing: its layout is recorded when it finishes. */
    public Job scan(String diskId) {
        Recorded.Disk disk = fleet.disk(diskId);
        if (disk.goneAt().isPresent()) {
            throw new Refusal.NotFound("disk", diskId);
        }
        return get(sendScan(fleet.vm(disk.vmId()), disk));
    }

    private ResizePlan plan(Recorded.Vm vm, Layout layout, Job.Request request) {
        if (!request.byProfile()) {
            return ResizePlan.of(layout, request.targets());
        }
        Profile profile = profiles.ofVm(vm.profile());
        long growth = usage.growthBytesPerDay(Optional.of(layout.diskId())).getOrDefault(layout.diskId(), 0L);
        ResizePlan plan = ResizePlan.byProfile(layout, profile, growth);
        if (plan.targets().isEmpty()) {
            throw new Refusal.FailedPrecondition("profile " + profile.name() + " shrinks no partition of disk "
                    + layout.diskId() + ": nothing to save");
        }
        return plan;
    }

    private Recorded.Disk disk(Recorded.Vm vm, Optional<String> diskId) {
        List<Recorded.Disk> disks = fleet.disksOfVm(vm.id(), false);
        if (diskId.isPresent()) {
            Recorded.Disk disk = fleet.disk(diskId.get());
            if (!disk.vmId().equals(vm.id())) {
                throw new Refusal.InvalidInput("diskId", "disk " + disk.id() + " is not VM " + vm.id() + "'s");
            }
            if (disk.goneAt().isPresent()) {
                throw new Refusal.NotFound("disk", disk.id());
            }
            return disk;
        }
        if (disks.size() != 1) {
            throw new Refusal.InvalidInput(
                    "diskId", "VM " + vm.id() + " has " + disks.size() + " disks: name the one to resize");
        }
        return disks.getFirst();
    }

    private void lockVm(String vmId) {
        NativeRows.rows(entities, "SELECT id FROM inventory.vm WHERE id = ?1 FOR UPDATE", vmId);
    }

    private Optional<String> activeResize(String vmId) {
        return NativeRows.rows(
                        entities,
                        "SELECT id::text, 0 FROM inventory.job WHERE vm_id = ?1 AND kind = 'RESIZE'"
                                + " AND state IN ('WAITING_FOR_SCAN', 'QUEUED', 'RUNNING')",
                        vmId)
                .stream()
                .map(row -> (String) row[0])
                .findFirst();
    }

    private boolean resizedIn(String vmId, Instant window) {
        return !NativeRows.rows(
                        entities,
                        "SELECT id, 0 FROM inventory.job WHERE vm_id = ?1 AND scheduled_window = ?2",
                        vmId,
                        Timestamp.from(window))
                .isEmpty();
    }

    private String sendScan(Recorded.Vm vm, Recorded.Disk disk) {
        String id = UUID.randomUUID().toString();
        insert(id, Job.Kind.SCAN, vm, disk, Job.State.QUEUED, Job.Request.SCAN, null, Optional.empty());
        outbox.add(
                Topic.WORKER_JOBS,
                disk.id(),
                ScanJob.newBuilder()
                        .setJobId(id)
                        .setVmId(vm.id())
                        .setDiskId(disk.id())
                        .setHostId(vm.hostId())
                        .setImagePath(disk.imagePath())
                        .build());
        return id;
    }

    private void sendResize(String id, Recorded.Vm vm, Recorded.Disk disk, Job.Request request, ResizePlan plan) {
        Profile profile = profiles.ofVm(vm.profile());
        ResizeJob.Builder job = ResizeJob.newBuilder()
                .setJobId(id)
                .setVmId(vm.id())
                .setDiskId(disk.id())
                .setAlignment(alignment(request.alignment().orElse(profile.alignment())))
                .addAllNoAlign(request.noAlign().orElse(profile.noAlign()))
                .setSparsify(request.sparsify())
                .setTruncate(request.truncate())
                .setDryRun(request.dryRun())
                .setHostId(vm.hostId())
                .setImagePath(disk.imagePath())
                .setDomain(vm.id());
        for (PartitionTarget target : plan.targets()) {
            job.addTargets(io.ballast.proto.worker.v1.PartitionTarget.newBuilder()
                    .setNumber(target.partition())
                    .setSizeBytes(target.sizeBytes()));
        }
        outbox.add(Topic.WORKER_JOBS, disk.id(), job.build());
        step(
                id,
                "queued",
                "sent to the worker of host " + vm.hostId() + "; saves " + plan.savingsBytes() + " bytes as planned",
                null,
                null);
    }

    private static io.ballast.proto.worker.v1.Alignment alignment(Alignment alignment) {
        return switch (alignment) {
            case NONE -> io.ballast.proto.worker.v1.Alignment.ALIGNMENT_NONE;
            case KIB_64 -> io.ballast.proto.worker.v1.Alignment.ALIGNMENT_64_KIB;
            case MIB_1 -> io.ballast.proto.worker.v1.Alignment.ALIGNMENT_1_MIB;
            case CYLINDER -> io.ballast.proto.worker.v1.Alignment.ALIGNMENT_CYLINDER;
        };
    }

    private void insert(
            String id,
            Job.Kind kind,
            Recorded.Vm vm,
            Recorded.Disk disk,
            Job.State state,
            Job.Request request,
            ResizePlan plan,
            Optional<String> scan) {
        entities.createNativeQuery(
                        "INSERT INTO inventory.job (id, kind, vm_id, disk_id, state, request, targets,"
                                + " projected_savings_bytes, scan_job_id, created_at)"
                                + " VALUES (CAST(?1 AS uuid), ?2, ?3, ?4, ?5, CAST(?6 AS jsonb), CAST(?7 AS jsonb), ?8, CAST(?9 AS uuid), ?10)")
                .setParameter(1, id)
                .setParameter(2, kind.name())
                .setParameter(3, vm.id())
                .setParameter(4, disk.id())
                .setParameter(5, state.name())
                .setParameter(6, write(RequestJson.of(request)))
                .setParameter(7, plan == null ? null : write(plan.targets()))
                .setParameter(8, plan == null ? null : plan.savingsBytes())
                .setParameter(9, scan.orElse(null))
                .setParameter(10, Timestamp.from(clock.instant()))
                .executeUpdate();
    }

    // ---- reading and cancelling --------------------------------------------------------------------------------

    /** @throws Refusal.NotFound for an unknown job */
    public Job get(String id) {
        UUID uuid = uuid(id);
        List<Object[]> rows = NativeRows.rows(entities, SELECT + " WHERE id = ?1", uuid);
        if (rows.isEmpty()) {
            throw new Refusal.NotFound("job", id);
        }
        return job(rows.getFirst(), steps(uuid));
    }

    /** Jobs newest first, by VM; pass {@code next} as {@code before} for older ones. Steps are left out. */
    public Page<Job> list(Optional<String> vmId, Optional<String> before, int limit) {
        if (limit < 1 || limit > Page.MAX_SIZE) {
            throw new Refusal.InvalidInput("limit", "must be from 1 to " + Page.MAX_SIZE);
        }
        List<Object> parameters = new ArrayList<>();
        List<String> conditions = new ArrayList<>();
        vmId.ifPresent(vm -> {
            parameters.add(vm);
            conditions.add("vm_id = ?" + parameters.size());
        });
        before.ifPresent(last -> {
            try {
                UUID.fromString(last);
            } catch (IllegalArgumentException e) {
                throw new Refusal.InvalidInput("before", "'" + last + "' is no job id");
            }
            Job job = get(last);
            parameters.add(Timestamp.from(job.createdAt()));
            parameters.add(uuid(last));
            conditions.add("(created_at, id) < (?" + (parameters.size() - 1) + ", ?" + parameters.size() + ")");
        });
        String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
        List<Object[]> rows = NativeRows.rows(
                entities,
                SELECT + where + " ORDER BY created_at DESC, id DESC LIMIT " + (limit + 1),
                parameters.toArray());
        List<Job> jobs = new ArrayList<>();
        for (Object[] row : rows.subList(0, Math.min(limit, rows.size()))) {
            jobs.add(job(row, List.of()));
        }
        return new Page<>(jobs, rows.size() > limit ? Optional.of(jobs.getLast().id()) : Optional.empty());
    }

    /**
     * A VM's jobs created from {@code from}, before {@code until}, oldest first (by id among those of the same
     * time), at most {@code limit}, with their steps.
     */
    public List<Job> ofVm(String vmId, VmHistory.From from, Instant until, int limit) {
        List<Object> parameters = new ArrayList<>(List.of(vmId, Timestamp.from(until)));
        String after = HistoryRows.from(from, "created_at", "id::text COLLATE \"C\"", key -> key, parameters);
        List<Job> jobs = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                SELECT + " WHERE vm_id = ?1 AND created_at < ?2 AND " + after
                        + " ORDER BY created_at, id::text COLLATE \"C\" LIMIT " + limit,
                parameters.toArray())) {
            jobs.add(job(row, steps(uuid((String) row[0]))));
        }
        return jobs;
    }

    /**
     * Cancels a resize its worker has not begun: one still waiting for its disk's scan (nothing was sent), or one sent
     * whose worker has not taken the VM's lease for it. The lease is the line: a worker asks for it before it touches
     * the VM, under a holder naming the job ({@code JobLeaseHolder}), and inventory refuses it for a cancelled job.
     * Cancelling and granting lock the job's row, so one of them comes first and the other sees it.
     *
     * @throws Refusal.FailedPrecondition once its worker was granted the lease for it (whether held, released or
     *     expired since), once it ended, and for a scan or a dry run (they take no lease and change nothing: they
     *     cannot be called back, nor need to be)
     */
    public Job cancel(String id) {
        UUID uuid = uuid(id);
        List<Object[]> locked =
                NativeRows.rows(entities, "SELECT id, leased_at FROM inventory.job WHERE id = ?1 FOR UPDATE", uuid);
        if (locked.isEmpty()) {
            throw new Refusal.NotFound("job", id);
        }
        Job job = get(id);
        String detail;
        switch (job.state()) {
            case WAITING_FOR_SCAN -> detail = "cancelled while it waited for its scan; nothing was sent to the worker";
            case QUEUED, RUNNING -> {
                if (job.kind() == Job.Kind.SCAN || job.request().dryRun()) {
                    throw new Refusal.FailedPrecondition("job " + id + " is a "
                            + (job.kind() == Job.Kind.SCAN ? "scan" : "dry run")
                            + " the worker was sent: it changes nothing and takes no lease, so it cannot be called"
                            + " back");
                }
                if (locked.getFirst()[1] != null) {
                    throw new Refusal.FailedPrecondition("job " + id + " has begun: its worker took VM " + job.vmId()
                            + "'s lease for it at " + NativeRows.instant(locked.getFirst()[1])
                            + leases.current(job.vmId())
                                    .map(lease -> " (held by " + lease.holder() + " until " + lease.expiresAt() + ")")
                                    .orElse(""));
                }
                detail = "cancelled before its worker began; the worker will be refused the VM's lease for it";
            }
            default -> throw new Refusal.FailedPrecondition("job " + id + " is " + job.state() + ": it ended already");
        }
        entities.createNativeQuery("UPDATE inventory.job SET state = 'CANCELLED', finished_at = ?2 WHERE id = ?1")
                .setParameter(1, uuid)
                .setParameter(2, Timestamp.from(clock.instant()))
                .executeUpdate();
        step(id, "cancelled", detail, null, null);
        return get(id);
    }

    /** The disk's layout as the latest scan read it. */
    public Optional<Layout> layout(String diskId) {
        return layouts.of(diskId);
    }

    // ---- following the worker ----------------------------------------------------------------------------------

    /** The worker took the job. A job inventory did not send (reclaims are the reservation's) is not followed. */
    public void started(String id, String workerHost) {
        if (!known(id)) {
            return;
        }
        entities.createNativeQuery("UPDATE inventory.job SET state = CASE WHEN state = 'QUEUED' THEN 'RUNNING'"
                        + " ELSE state END, started_at = coalesce(started_at, ?2), worker_host = ?3 WHERE id = ?1")
                .setParameter(1, uuid(id))
                .setParameter(2, Timestamp.from(clock.instant()))
                .setParameter(3, workerHost)
                .executeUpdate();
        Job job = get(id);
        step(
                id,
                "started",
                job.state() == Job.State.CANCELLED
                        ? "the worker on " + workerHost + " started it after it was cancelled"
                        : "on " + workerHost,
                null,
                null);
    }

    public void step(String id, String step, String detail) {
        if (known(id)) {
            step(id, step, detail, null, null);
        }
    }

    /** Progress within a step: the step's latest figures replace its previous ones, so the history stays short. */
    public void progress(String id, String step, long doneBytes, long totalBytes) {
        if (!known(id)) {
            return;
        }
        int updated = entities.createNativeQuery("UPDATE inventory.job_step SET bytes_done = ?3, bytes_total = ?4,"
                        + " at = ?5 WHERE job_id = ?1 AND seq = (SELECT max(seq) FROM inventory.job_step WHERE job_id"
                        + " = ?1) AND step = ?2")
                .setParameter(1, uuid(id))
                .setParameter(2, step)
                .setParameter(3, doneBytes)
                .setParameter(4, totalBytes)
                .setParameter(5, Timestamp.from(clock.instant()))
                .executeUpdate();
        if (updated == 0) {
            step(id, step, "", doneBytes, totalBytes);
        }
    }

    /**
     * The worker finished the job. A scan's layout is recorded and the resize that waited for it is checked and sent
     * (or fails, saying why); a resize's image sizes are its realized savings.
     *
     * @return the disk whose datastore's figures changed (a resize that was not a dry run), for a look at its host
     */
    public Optional<String> finished(String id, ImageResult result) {
        if (!known(id)) {
            return Optional.empty();
        }
        Job job = get(id);
        int ended = entities.createNativeQuery("UPDATE inventory.job SET state = 'FINISHED', finished_at = ?2,"
                        + " image_before_bytes = ?3, image_after_bytes = ?4, backed_before_bytes = ?5,"
                        + " backed_after_bytes = ?6 WHERE id = ?1 AND state IN ('QUEUED', 'RUNNING')")
                .setParameter(1, uuid(id))
                .setParameter(2, Timestamp.from(clock.instant()))
                .setParameter(3, result.getImageBeforeBytes())
                .setParameter(4, result.getImageAfterBytes())
                .setParameter(5, result.getBackedBeforeBytes())
                .setParameter(6, result.getBackedAfterBytes())
                .executeUpdate();
        if (ended == 0) {
            LOG.debugf("job end ignored: it ended already job=%s state=%s", id, job.state());
            return Optional.empty();
        }
        step(id, "finished", result.getLayout().strip(), null, null);
        if (job.kind() == Job.Kind.SCAN) {
            if (result.hasDiskLayout()) {
                recordLayout(job.diskId(), result.getDiskLayout());
            }
            releaseWaiting(id, job.diskId());
            return Optional.empty();
        }
        if (job.request().dryRun()) {
            return Optional.empty();
        }
        // the partitions moved and shrank: what was known of them is no more; learn the layout again
        forgetLayout(job.diskId());
        Recorded.Disk disk = fleet.disk(job.diskId());
        if (disk.goneAt().isEmpty()) {
            sendScan(fleet.vm(job.vmId()), disk);
        }
        return Optional.of(job.diskId());
    }

    public void failed(String id, String step, String reason, boolean rolledBack) {
        if (!known(id)) {
            return;
        }
        Job job = get(id);
        int ended = entities.createNativeQuery(
                        "UPDATE inventory.job SET state = 'FAILED', finished_at = ?2, failure = ?3,"
                                + " rolled_back = ?4 WHERE id = ?1 AND state IN ('QUEUED', 'RUNNING')")
                .setParameter(1, uuid(id))
                .setParameter(2, Timestamp.from(clock.instant()))
                .setParameter(3, step + ": " + reason)
                .setParameter(4, rolledBack)
                .executeUpdate();
        if (ended == 0) {
            LOG.debugf("job end ignored: it ended already job=%s state=%s", id, job.state());
            return;
        }
        step(id, "failed", step + ": " + reason + (rolledBack ? " (rolled back)" : ""), null, null);
        if (job.kind() == Job.Kind.RESIZE && !rolledBack && !job.request().dryRun()) {
            // the worker left the disk changed: what was known of its partitions may be no more
            forgetLayout(job.diskId());
        }
        if (job.kind() == Job.Kind.SCAN) {
            failWaiting(id, "the scan it waited for failed: " + reason);
        }
    }

    private void forgetLayout(String diskId) {
        entities.createNativeQuery("DELETE FROM inventory.disk_layout WHERE disk_id = ?1")
                .setParameter(1, diskId)
                .executeUpdate();
    }

    private void recordLayout(String diskId, DiskLayout layout) {
        forgetLayout(diskId);
        entities.createNativeQuery("INSERT INTO inventory.disk_layout (disk_id, table_type, disk_bytes,"
                        + " alignment_status, scanned_at) VALUES (?1, ?2, ?3, ?4, ?5)")
                .setParameter(1, diskId)
                .setParameter(2, layout.getTable())
                .setParameter(3, layout.getDiskBytes())
                .setParameter(4, layout.getAlignmentStatus())
                .setParameter(5, Timestamp.from(clock.instant()))
                .executeUpdate();
        for (PartitionLayout partition : layout.getPartitionsList()) {
            entities.createNativeQuery("INSERT INTO inventory.disk_partition (disk_id, number, start_bytes,"
                            + " size_bytes, type, filesystem, used_bytes, minimum_bytes, alignment_bytes)"
                            + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                    .setParameter(1, diskId)
                    .setParameter(2, partition.getNumber())
                    .setParameter(3, partition.getStartBytes())
                    .setParameter(4, partition.getSizeBytes())
                    .setParameter(5, partition.getType())
                    .setParameter(6, partition.getFilesystem())
                    .setParameter(7, partition.hasUsedBytes() ? partition.getUsedBytes() : null)
                    .setParameter(8, partition.hasMinimumBytes() ? partition.getMinimumBytes() : null)
                    .setParameter(9, partition.getAlignmentBytes())
                    .executeUpdate();
        }
    }

    /** The resize that waited for scan {@code scanId}: checked against the layout now known, and sent or failed. */
    private void releaseWaiting(String scanId, String diskId) {
        for (Job waiting : waitingFor(scanId)) {
            Optional<Layout> layout = layout(diskId);
            if (layout.isEmpty()) {
                fail(waiting.id(), "the scan it waited for read no layout");
                continue;
            }
            Recorded.Vm vm = fleet.vm(waiting.vmId());
            ResizePlan plan;
            try {
                plan = plan(vm, layout.get(), waiting.request());
            } catch (Refusal refused) {
                fail(waiting.id(), "the disk's layout does not allow it: " + refused.getMessage());
                continue;
            }
            entities.createNativeQuery("UPDATE inventory.job SET state = 'QUEUED', targets = CAST(?2 AS jsonb),"
                            + " projected_savings_bytes = ?3 WHERE id = ?1")
                    .setParameter(1, uuid(waiting.id()))
                    .setParameter(2, write(plan.targets()))
                    .setParameter(3, plan.savingsBytes())
                    .executeUpdate();
            sendResize(waiting.id(), vm, fleet.disk(waiting.diskId()), waiting.request(), plan);
        }
    }

    private void failWaiting(String scanId, String reason) {
        for (Job waiting : waitingFor(scanId)) {
            fail(waiting.id(), reason);
        }
    }

    private List<Job> waitingFor(String scanId) {
        List<Job> jobs = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities, SELECT + " WHERE scan_job_id = ?1 AND state = 'WAITING_FOR_SCAN'", uuid(scanId))) {
            jobs.add(job(row, List.of()));
        }
        return jobs;
    }

    private void fail(String id, String reason) {
        entities.createNativeQuery(
                        "UPDATE inventory.job SET state = 'FAILED', finished_at = ?2, failure = ?3, rolled_back = true"
                                + " WHERE id = ?1")
                .setParameter(1, uuid(id))
                .setParameter(2, Timestamp.from(clock.instant()))
                .setParameter(3, reason)
                .executeUpdate();
        step(id, "failed", reason + " (nothing was sent to the worker)", null, null);
    }

    // ---- rows --------------------------------------------------------------------------------------------------

    private static final String SELECT = "SELECT id::text, kind, vm_id, disk_id, state, request::text, targets::text,"
            + " projected_savings_bytes, scan_job_id::text, worker_host, image_before_bytes, image_after_bytes,"
            + " backed_before_bytes, backed_after_bytes, failure, rolled_back, created_at, started_at, finished_at"
            + " FROM inventory.job";

    private Job job(Object[] row, List<Job.Step> steps) {
        Optional<Job.ImageSizes> result = row[10] == null
                ? Optional.empty()
                : Optional.of(new Job.ImageSizes(
                        NativeRows.bytes(row[10]),
                        NativeRows.bytes(row[11]),
                        NativeRows.bytes(row[12]),
                        NativeRows.bytes(row[13])));
        return new Job(
                (String) row[0],
                Job.Kind.valueOf((String) row[1]),
                (String) row[2],
                (String) row[3],
                Job.State.valueOf((String) row[4]),
                read((String) row[5], RequestJson.class).toRequest(),
                row[6] == null ? List.of() : read((String) row[6], TARGETS),
                Layouts.optional(row[7]),
                Optional.ofNullable((String) row[8]),
                Optional.ofNullable((String) row[9]),
                result,
                Optional.ofNullable((String) row[14]),
                Optional.ofNullable((Boolean) row[15]),
                NativeRows.instant(row[16]),
                Optional.ofNullable(row[17]).map(NativeRows::instant),
                Optional.ofNullable(row[18]).map(NativeRows::instant),
                steps);
    }

    private List<Job.Step> steps(UUID id) {
        List<Job.Step> steps = new ArrayList<>();
        for (Object[] row : NativeRows.rows(
                entities,
                "SELECT at, step, detail, bytes_done, bytes_total FROM inventory.job_step WHERE job_id = ?1"
                        + " ORDER BY seq",
                id)) {
            steps.add(new Job.Step(
                    NativeRows.instant(row[0]),
                    (String) row[1],
                    (String) row[2],
                    Layouts.optional(row[3]),
                    Layouts.optional(row[4])));
        }
        return steps;
    }

    private void step(String id, String step, String detail, Long doneBytes, Long totalBytes) {
        entities.createNativeQuery("INSERT INTO inventory.job_step (job_id, at, step, detail, bytes_done,"
                        + " bytes_total) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .setParameter(1, uuid(id))
                .setParameter(2, Timestamp.from(clock.instant()))
                .setParameter(3, step)
                .setParameter(4, detail)
                .setParameter(5, doneBytes)
                .setParameter(6, totalBytes)
                .executeUpdate();
    }

    private boolean known(String id) {
        try {
            return !NativeRows.rows(entities, "SELECT id, 0 FROM inventory.job WHERE id = ?1", UUID.fromString(id))
                    .isEmpty();
        } catch (IllegalArgumentException notAUuid) {
            return false;
        }
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new Refusal.NotFound("job", id);
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write " + value + " as JSON", e);
        }
    }

    private <T> T read(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored job's JSON does not read: " + e.getMessage(), e);
        }
    }

    private <T> T read(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored job's JSON does not read: " + e.getMessage(), e);
        }
    }

    /** A request as the {@code request} column keeps it. */
    record RequestJson(
            List<PartitionTarget> targets,
            boolean byProfile,
            String alignment,
            List<Integer> noAlign,
            boolean dryRun,
            boolean sparsify,
            boolean truncate) {

        static RequestJson of(Job.Request request) {
            return new RequestJson(
                    request.targets(),
                    request.byProfile(),
                    request.alignment().map(Alignment::name).orElse(null),
                    request.noAlign().orElse(null),
                    request.dryRun(),
                    request.sparsify(),
                    request.truncate());
        }

        Job.Request toRequest() {
            return new Job.Request(
                    targets == null ? List.of() : targets,
                    byProfile,
                    Optional.ofNullable(alignment).map(Alignment::valueOf),
                    Optional.ofNullable(noAlign),
                    dryRun,
                    sparsify,
                    truncate);
        }
    }
}
