package io.ballast.inventory.job.rest;

import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.job.Job;
import io.ballast.inventory.job.Layout;
import io.ballast.inventory.job.PartitionTarget;
import io.ballast.inventory.job.store.Jobs;
import io.ballast.inventory.profile.Alignment;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
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
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Resize and scan jobs under {@code /api/v1}: created, cancelled ({@code operator}) and read with their step
 * history ({@code viewer}); a disk's layout as its latest scan read it.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class JobResource {

    private final Jobs jobs;

    JobResource(Jobs jobs) {
        this.jobs = jobs;
    }

    /** One partition's new size. */
    public record TargetRequest(
            @NotNull @Min(1) Integer partition,
            @NotNull @Positive Long sizeBytes) {}

    /**
     * A resize of one of a VM's disks.
     *
     * @param diskId which of the VM's disks; may be left out for a VM with one disk
     * @param targets partitions' new sizes; or {@code byProfile} for the VM's profile to decide them
     * @param alignment {@code none}, {@code 64KiB}, {@code 1MiB} or {@code cylinder}; the profile's when absent
     * @param noAlign partitions never re-aligned; the profile's when absent
     * @param dryRun plan and report, change nothing (default false)
     * @param sparsify punch unused filesystem blocks out of the image (default true)
     * @param truncate cut the image after its last partition (default true)
     */
    public record ResizeRequest(
            @NotNull @Size(min = 1, max = 200) String vmId,
            @Size(max = 300) String diskId,
            @Size(max = 128) List<@Valid @NotNull TargetRequest> targets,
            Boolean byProfile,
            String alignment,
            @Size(max = 128) List<@NotNull @Min(1) Integer> noAlign,
            Boolean dryRun,
            Boolean sparsify,
            Boolean truncate) {

        Job.Request toRequest() {
            return new Job.Request(
                    Optional.ofNullable(targets).orElse(List.of()).stream()
                            .map(t -> new PartitionTarget(t.partition(), t.sizeBytes()))
                            .toList(),
                    Boolean.TRUE.equals(byProfile),
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
            summary = "Resizes one of a VM's disks: 201 with the job sent to the worker, or 202 with the job waiting"
                    + " for the scan sent first when the disk's layout is not known")
    public Response resize(@Valid @NotNull ResizeRequest request) {
        Job job = jobs.resize(request.vmId(), Optional.ofNullable(request.diskId()), request.toRequest());
        return Response.status(job.state() == Job.State.WAITING_FOR_SCAN ? 202 : 201)
                .location(URI.create("/api/v1/resize-jobs/" + job.id()))
                .entity(JobView.of(job))
                .build();
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
    @Operation(summary = "Cancels a job the worker has not started (409 once it has)")
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
