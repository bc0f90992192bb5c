package io.ballast.inventory.job.rest;

import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.fleet.store.FleetReads;
import io.ballast.inventory.job.Job;
import io.ballast.inventory.job.Layout;
import io.ballast.inventory.job.PartitionTarget;
import io.ballast.inventory.job.store.Jobs;
import io.ballast.inventory.job.store.ResizeBatches;
import io.ballast.inventory.profile.Alignment;
import io.ballast.inventory.profile.Profile;
import io.ballast.support.errors.Refusal;
import io.ballast.support.rest.ProblemType;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * Resize and scan jobs under {@code /api/v1}: created one by one or in batches, cancelled ({@code operator}) and
 * read with their step history ({@code viewer}); a disk's layout as its latest scan read it.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class JobResource {

    private final Jobs jobs;
    private final ResizeBatches batches;
    private final FleetReads fleet;

    JobResource(Jobs jobs, ResizeBatches batches, FleetReads fleet) {
        this.jobs = jobs;
        this.batches = batches;
        this.fleet = fleet;
    }

    /** One partition's new size. */
    public record TargetRequest(
            @NotNull @Min(1) Integer partition,
            @NotNull @Positive Long sizeBytes) {}

    /**
     * Which VMs a batch resizes: those matching every criterion given (at least one), as {@code GET /api/v1/vms}
     * filters them, gone ones left out.
     *
     * @param profile its name; {@code default} (or empty) for VMs that name none
     */
    public record VmSelection(
            @Size(max = 200) String host,
            @Size(max = 200) String datastore,
            @Size(max = 63) String profile,
            @Pattern(regexp = "RUNNING|PAUSED|SHUT_OFF") String powerState) {

        boolean empty() {
            return host == null && datastore == null && profile == null && powerState == null;
        }

        FleetReads.VmFilter toFilter() {
            return new FleetReads.VmFilter(
                    Optional.ofNullable(host),
                    Optional.ofNullable(datastore),
                    Optional.ofNullable(profile).map(name -> name.equals(Profile.DEFAULT.name()) ? "" : name),
                    Optional.ofNullable(powerState).map(Discovered.PowerState::valueOf),
                    false);
        }
    }

    /**
     * A resize of one of a VM's disks ({@code vmId}), or of many VMs by profile (a batch: {@code vms} or {@code
     * filter}).
     *
     * @param vmId the VM of a single resize
     * @param vms the VMs of a batch, each named once
     * @param filter the VMs of a batch, by host, datastore, profile and power state
     * @param diskId which of the VM's disks; may be left out for a VM with one disk (a batch takes each VM's disk
     *     that saves the most)
     * @param targets partitions' new sizes; or {@code byProfile} for the VM's profile to decide them (a batch is by
     *     profile)
     * @param alignment {@code none}, {@code 64KiB}, {@code 1MiB} or {@code cylinder}; the profile's when absent
     * @param noAlign partitions never re-aligned; the profile's when absent
     * @param dryRun plan and report, change nothing (default false)
     * @param sparsify punch unused filesystem blocks out of the image (default true)
     * @param truncate cut the image after its last partition (default true)
     */
    public record ResizeRequest(
            @Size(min = 1, max = 200) String vmId,
            @Size(min = 1, max = Page.MAX_SIZE) List<@NotBlank @Size(max = 200) String> vms,
            @Valid VmSelection filter,
            @Size(max = 300) String diskId,
            @Size(max = 128) List<@Valid @NotNull TargetRequest> targets,
            Boolean byProfile,
            String alignment,
            @Size(max = 128) List<@NotNull @Min(1) Integer> noAlign,
            Boolean dryRun,
            Boolean sparsify,
            Boolean truncate) {

        boolean batch() {
            return vms != null || filter != null;
        }

        /** What is wrong with this request as a batch, each field named. */
        List<Refusal.FieldError> batchErrors() {
            List<Refusal.FieldError> errors = new ArrayList<>();
            if (vmId != null) {
                errors.add(new Refusal.FieldError("vmId", "a batch names its VMs in vms or filter"));
            }
            if (vms != null && filter != null) {
                errors.add(new Refusal.FieldError("filter", "give vms or filter, not both"));
            }
            if (filter != null && filter.empty()) {
                errors.add(new Refusal.FieldError(
                        "filter", "name at least one of host, datastore, profile and powerState"));
            }
            Set<String> named = new HashSet<>();
            for (int i = 0; vms != null && i < vms.size(); i++) {
                if (!named.add(vms.get(i))) {
                    errors.add(new Refusal.FieldError("vms[" + i + "]", vms.get(i) + " is named twice"));
                }
            }
            if (diskId != null) {
                errors.add(new Refusal.FieldError(
                        "diskId", "a batch resizes each VM's disk that saves the most: name no disk"));
            }
            if (targets != null && !targets.isEmpty()) {
                errors.add(new Refusal.FieldError("targets", "a batch resizes by profile: give no targets"));
            }
            if (Boolean.FALSE.equals(byProfile)) {
                errors.add(new Refusal.FieldError("byProfile", "a batch resizes by profile"));
            }
            return errors;
        }

        /** The request of each job of a batch: by profile, with this request's options. */
        Job.Request toBatchRequest() {
            return toRequest(List.of(), true);
        }

        Job.Request toRequest() {
            return toRequest(Optional.ofNullable(targets).orElse(List.of()), Boolean.TRUE.equals(byProfile));
        }

        private Job.Request toRequest(List<TargetRequest> targets, boolean byProfile) {
            return new Job.Request(
                    targets.stream()
                            .map(t -> new PartitionTarget(t.partition(), t.sizeBytes()))
                            .toList(),
                    byProfile,
                    Optional.ofNullable(alignment).map(spelled -> Alignment.of(spelled)
                            .orElseThrow(() -> new Refusal.InvalidInput(
                                    "alignment", "'" + spelled + "' is not one of none, 64KiB, 1MiB, cylinder"))),
                    Optional.ofNullable(noAlign),
                    Boolean.TRUE.equals(dryRun),
                    !Boolean.FALSE.equals(sparsify),
                    !Boolean.FALSE.equals(truncate));
        }
    }

    @POST
    @Path("/resize-jobs")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(
            summary = "Resizes one of a VM's disks (`vmId`): 201 with the job sent to the worker, or 202 with the job"
                    + " waiting for the scan sent first when the disk's layout is not known. Or resizes many VMs by"
                    + " profile (`vms` or `filter`): 200 with the jobs created, largest projected savings first, and"
                    + " each VM refused with why")
    @APIResponse(
            responseCode = "201",
            description = "One VM's resize, sent to the worker",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(
            responseCode = "202",
            description = "One VM's resize, waiting for the scan sent first",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(
            responseCode = "200",
            description = "A batch: the jobs in the order created and sent, and the VMs refused",
            content = @Content(schema = @Schema(implementation = BatchView.class)))
    public Response resize(@Valid @NotNull ResizeRequest request) {
        if (request.batch()) {
            return Response.ok(batch(request)).build();
        }
        if (request.vmId() == null) {
            throw new Refusal.InvalidInput("vmId", "name the VM to resize, or give vms or filter for a batch");
        }
        Job job = jobs.resize(request.vmId(), Optional.ofNullable(request.diskId()), request.toRequest());
        return Response.status(job.state() == Job.State.WAITING_FOR_SCAN ? 202 : 201)
                .location(URI.create("/api/v1/resize-jobs/" + job.id()))
                .entity(JobView.of(job))
                .build();
    }

    private BatchView batch(ResizeRequest request) {
        List<Refusal.FieldError> errors = request.batchErrors();
        if (!errors.isEmpty()) {
            throw Refusal.InvalidInput.naming("the batch is not valid", errors);
        }
        Job.Request each = request.toBatchRequest();
        List<String> vms = request.vms() != null ? request.vms() : selected(request.filter());
        List<JobView> created = new ArrayList<>();
        List<RefusedView> refused = new ArrayList<>();
        for (ResizeBatches.Outcome outcome : batches.enqueue(vms, each, Optional.empty())) {
            switch (outcome) {
                case ResizeBatches.Enqueued sent -> created.add(JobView.of(sent.job()));
                case ResizeBatches.Refused not -> refused.add(RefusedView.of(not.vmId(), not.refusal()));
            }
        }
        return new BatchView(created, refused);
    }

    /** The VMs {@code filter} selects, at most a page of them. */
    private List<String> selected(VmSelection filter) {
        Page<Recorded.Vm> page = fleet.vms(filter.toFilter(), Optional.empty(), Page.MAX_SIZE);
        if (page.next().isPresent()) {
            throw new Refusal.InvalidInput(
                    "filter", "selects more than " + Page.MAX_SIZE + " VMs: a batch takes at most that many");
        }
        return page.items().stream().map(Recorded.Vm::id).toList();
    }

    @POST
    @Path("/disks/{id}/scan")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Sends a scan of a disk to its host's worker; its layout is recorded when it finishes")
    public Response scan(@PathParam("id") String diskId) {
        Job job = jobs.scan(diskId);
        return Response.status(202)
                .location(URI.create("/api/v1/resize-jobs/" + job.id()))
                .entity(JobView.of(job))
                .build();
    }

    @GET
    @Path("/resize-jobs")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Jobs newest first, by VM; pass `next` as `before` for older ones")
    public JobPage list(
            @QueryParam("vm") @Size(max = 200) String vm,
            @QueryParam("before") @Size(max = 40) String before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(Page.MAX_SIZE) int limit) {
        Page<Job> page = jobs.list(Optional.ofNullable(vm), Optional.ofNullable(before), limit);
        return new JobPage(
                page.items().stream().map(JobView::of).toList(), page.next().orElse(null));
    }

    @GET
    @Path("/resize-jobs/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A job with its step history")
    public JobView get(@PathParam("id") String id) {
        return JobView.of(jobs.get(id));
    }

    @POST
    @Path("/resize-jobs/{id}/cancel")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Cancels a resize its worker has not begun (409 once the worker holds the VM's lease for it)")
    public JobView cancel(@PathParam("id") String id) {
        return JobView.of(jobs.cancel(id));
    }

    @GET
    @Path("/disks/{id}/layout")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A disk's partitions as its latest scan read them (404 before any scan)")
    public LayoutView layout(@PathParam("id") String diskId) {
        return LayoutView.of(jobs.layout(diskId).orElseThrow(() -> new Refusal.NotFound("layout of disk", diskId)));
    }

    public record JobPage(List<JobView> jobs, String next) {}

    /**
     * What a batch did.
     *
     * @param jobs the jobs created, in the order they were created and sent: largest projected savings first, VMs
     *     whose disks were never scanned last
     * @param refused the VMs for which nothing was created, with why
     */
    public record BatchView(List<JobView> jobs, List<RefusedView> refused) {}

    /**
     * A VM a batch refused, as the problem a single resize of it would have answered.
     *
     * @param type the problem's type, e.g. {@code urn:ballast:problem:failed-precondition}
     */
    public record RefusedView(String vmId, int status, String type, String detail) {

        static RefusedView of(String vmId, Refusal refusal) {
            ProblemType type = ProblemType.of(refusal);
            return new RefusedView(vmId, type.status(), type.uri(), refusal.getMessage());
        }
    }

    /** A job: what it was asked, what it planned, where it is, what it realized, and its history. */
    public record JobView(
            String id,
            String kind,
            String vmId,
            String diskId,
            String state,
            List<PartitionTarget> targets,
            boolean byProfile,
            boolean dryRun,
            Long projectedSavingsBytes,
            String scanJobId,
            String workerHost,
            Job.ImageSizes result,
            Long realizedSavingsBytes,
            String failure,
            Boolean rolledBack,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            List<StepView> steps) {

        public static JobView of(Job job) {
            return new JobView(
                    job.id(),
                    job.kind().name(),
                    job.vmId(),
                    job.diskId(),
                    job.state().name(),
                    job.targets(),
                    job.request().byProfile(),
                    job.request().dryRun(),
                    job.projectedSavingsBytes().isPresent()
                            ? job.projectedSavingsBytes().getAsLong()
                            : null,
                    job.scanJobId().orElse(null),
                    job.workerHost().orElse(null),
                    job.result().orElse(null),
                    job.result().map(Job.ImageSizes::savedBytes).orElse(null),
                    job.failure().orElse(null),
                    job.rolledBack().orElse(null),
                    job.createdAt(),
                    job.startedAt().orElse(null),
                    job.finishedAt().orElse(null),
                    job.steps().stream().map(StepView::of).toList());
        }
    }

    public record StepView(Instant at, String step, String detail, Long bytesDone, Long bytesTotal) {
        static StepView of(Job.Step step) {
            return new StepView(
                    step.at(),
                    step.step(),
                    step.detail(),
                    step.bytesDone().isPresent() ? step.bytesDone().getAsLong() : null,
                    step.bytesTotal().isPresent() ? step.bytesTotal().getAsLong() : null);
        }
    }

    /** A disk's layout; {@code usedBytes} and {@code minimumBytes} are absent where the filesystem cannot say. */
    public record LayoutView(
            String diskId,
            String table,
            long diskBytes,
            int alignmentStatus,
            Instant scannedAt,
            List<PartitionView> partitions) {
        static LayoutView of(Layout layout) {
            return new LayoutView(
                    layout.diskId(),
                    layout.table(),
                    layout.diskBytes(),
                    layout.alignmentStatus(),
                    layout.scannedAt(),
                    layout.partitions().stream().map(PartitionView::of).toList());
        }
    }

    public record PartitionView(
            int number,
            long startBytes,
            long sizeBytes,
            String type,
            String filesystem,
            Long usedBytes,
            Long minimumBytes,
            long alignmentBytes) {
        static PartitionView of(Layout.Partition partition) {
            return new PartitionView(
                    partition.number(),
                    partition.startBytes(),
                    partition.sizeBytes(),
                    partition.type(),
                    partition.filesystem(),
                    partition.usedBytes().isPresent() ? partition.usedBytes().getAsLong() : null,
                    partition.minimumBytes().isPresent()
                            ? partition.minimumBytes().getAsLong()
                            : null,
                    partition.alignmentBytes());
        }
    }
}
