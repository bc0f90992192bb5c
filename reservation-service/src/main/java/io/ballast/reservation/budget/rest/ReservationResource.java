package io.ballast.reservation.budget.rest;

import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.Growth;
import io.ballast.reservation.budget.Mode;
import io.ballast.reservation.budget.Outlook;
import io.ballast.reservation.budget.rest.Views.DatastorePageView;
import io.ballast.reservation.budget.rest.Views.DatastoreView;
import io.ballast.reservation.budget.rest.Views.DiskListView;
import io.ballast.reservation.budget.rest.Views.DiskView;
import io.ballast.reservation.budget.rest.Views.ExportBoundView;
import io.ballast.reservation.budget.rest.Views.GrowthView;
import io.ballast.reservation.budget.rest.Views.LedgerView;
import io.ballast.reservation.budget.rest.Views.MigrationView;
import io.ballast.reservation.budget.rest.Views.PlacementView;
import io.ballast.reservation.budget.store.BudgetRequests;
import io.ballast.reservation.budget.store.BudgetRequests.Destination;
import io.ballast.reservation.budget.store.BudgetStore;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The reservation service's REST interface under {@code /api/v1}: datastores and their invariant, disks and their
 * budgets, growth requests, operator overrides, migrations, placements, export bounds and the ledger. Reads need the
 * {@code viewer} role, policy and overrides {@code operator}, growth, migrations, placements and export bounds {@code
 * orchestrator}. Errors are problem details ({@code application/problem+json}); a refused request changes nothing.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ReservationResource {

    private static final String ID = BudgetRequests.ID_PATTERN;

    private final BudgetRequests requests;
    private final BudgetStore store;

    ReservationResource(BudgetRequests requests, BudgetStore store) {
        this.requests = requests;
        this.store = store;
    }

    // ---- datastores --------------------------------------------------------------------------------------------

    @GET
    @Path("/datastores")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Datastores in id order with their invariant's terms; pass `next` as `after` for more")
    public DatastorePageView datastores(
            @QueryParam("after") @Size(max = 200) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(BudgetRequests.MAX_PAGE) int limit) {
        BudgetRequests.DatastorePage page = requests.datastores(Optional.ofNullable(after), limit);
        Map<String, Outlook> outlooks = requests.outlooks(page.datastores());
        return new DatastorePageView(
                page.datastores().stream()
                        .map(datastore -> DatastoreView.of(datastore, outlooks.get(datastore.id())))
                        .toList(),
                page.next());
    }

    @GET
    @Path("/datastores/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "A datastore: capacity, reserve, limit, worst-case demand, other usage, holds, headroom, time to"
                    + " full and the migration recommended while its disks' minimums do not fit")
    public DatastoreView datastore(@PathParam("id") String id) {
        return view(requests.datastore(id));
    }

    /**
     * An operator's policy for a datastore.
     *
     * @param mode {@code strict} (demand within capacity less reserve) or {@code relaxed} (within {@code ratio} times
     *     that)
     * @param ratio for relaxed mode: 1 to 10; ignored in strict mode
     */
    public record PolicyRequest(
            @NotNull @Pattern(regexp = "strict|relaxed") String mode,
            @DecimalMin("1.0") @DecimalMax("10.0") Double ratio,
            @NotNull @PositiveOrZero Long reserveBytes) {

        DatastorePolicy toPolicy() {
            Mode chosen = mode.equals("relaxed")
                    ? new Mode.Relaxed(Optional.ofNullable(ratio)
                            .orElseThrow(() -> new Refusal.InvalidInput(
                                    "ratio", "relaxed mode needs a ratio from 1 to " + Mode.Relaxed.MAX_RATIO)))
                    : new Mode.Strict();
            return new DatastorePolicy(chosen, reserveBytes);
        }
    }

    @PUT
    @Path("/datastores/{id}/policy")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Sets a datastore's mode, ratio and reserve; tightening it inflates ballasts")
    public DatastoreView policy(@PathParam("id") String id, @Valid @NotNull PolicyRequest policy) {
        return view(requests.policy(id, policy.toPolicy()));
    }

    private DatastoreView view(Datastore datastore) {
        return DatastoreView.of(datastore, requests.outlooks(List.of(datastore)).get(datastore.id()));
    }

    @GET
    @Path("/datastores/{id}/disks")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "The disks of a datastore with their budgets")
    public DiskListView disks(@PathParam("id") String id) {
        return new DiskListView(
                id, requests.datastore(id).disks().stream().map(DiskView::of).toList());
    }

    // ---- disks -------------------------------------------------------------------------------------------------

    @GET
    @Path("/disks/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A disk's budget, ballast per filesystem, state and generation")
    public DiskView disk(@PathParam("id") String id) {
        return DiskView.of(requests.disk(id).disk());
    }

    /**
     * More effective space for a disk.
     *
     * @param growthId makes the request idempotent: the same id again answers the growth as it stands
     * @param reason recorded in the ledger's lines for it
     */
    public record GrowthRequest(
            @Pattern(regexp = ID) String growthId,
            @NotNull @Positive Long additionalBytes,
            @Size(max = 500) String reason) {}

    @POST
    @Path("/disks/{id}/growth")
    @RolesAllowed({Roles.OPERATOR, Roles.ORCHESTRATOR})
    @Operation(
            summary = "Asks for more effective space: 200 granted, 202 pending (taking space back from other"
                    + " disks first; follow GET /growth/{id}), 409 refused with the migration that would make room")
    @APIResponse(responseCode = "200", description = "Granted: the deflate was sent")
    @APIResponse(responseCode = "202", description = "Pending: other disks' space is being taken back first")
    @APIResponse(responseCode = "409", description = "Refused: the growth, its reason and a recommended migration")
    public Response growth(@PathParam("id") String diskId, @Valid @NotNull GrowthRequest request) {
        Growth growth =
                requests.requestGrowth(Optional.ofNullable(request.growthId()), diskId, request.additionalBytes());
        int status =
                switch (growth.state()) {
                    case GRANTED -> 200;
                    case PENDING -> 202;
                    case REFUSED, EXPIRED -> 409;
                };
        return Response.status(status).entity(GrowthView.of(growth)).build();
    }

    @GET
    @Path("/growth/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A growth request as it stands")
    public GrowthView growth(@PathParam("id") String growthId) {
        return GrowthView.of(requests.growth(growthId));
    }

    /**
     * An operator's ballast for a disk.
     *
     * @param ballastBytes the ballast to hold, pinned until cleared; absent or null gives the disk back to the planner
     */
    public record BallastOverride(@PositiveOrZero Long ballastBytes) {}

    @PUT
    @Path("/disks/{id}/ballast")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Pins a disk's ballast within the invariant, or (null) gives it back to the planner")
    public DiskView override(@PathParam("id") String diskId, @Valid @NotNull BallastOverride override) {
        return DiskView.of(requests.override(diskId, Optional.ofNullable(override.ballastBytes()))
                .disk());
    }

    // ---- migrations, placements, export bounds -----------------------------------------------------------------

    /** Where one disk of a migration goes. */
    public record DestinationRequest(
            @NotBlank String diskId, @NotBlank String toDatastoreId) {}

    /**
     * A migration to prepare.
     *
     * @param migrationId makes the request idempotent; one is made up when absent
     * @param ttlSeconds how long the holds last without a commit: 1 s to a day
     */
    public record MigrationRequest(
            @Pattern(regexp = ID) String migrationId,
            @NotEmpty @Size(max = 64) List<@Valid @NotNull DestinationRequest> disks,
            @NotNull @Min(1) @Max(86_400) Integer ttlSeconds) {}

    @POST
    @Path("/migrations")
    @RolesAllowed(Roles.ORCHESTRATOR)
    @Operation(summary = "Prepares a migration: holds on the targets for the disks' worst-case demand")
    @APIResponse(responseCode = "200", description = "Every disk's hold is in place (PREPARED)")
    @APIResponse(responseCode = "202", description = "Space is being taken back on a target first (PENDING)")
    public Response prepare(@Valid @NotNull MigrationRequest request) {
        var migration = requests.prepareMigration(
                Optional.ofNullable(request.migrationId()),
                request.disks().stream()
                        .map(d -> new Destination(d.diskId(), d.toDatastoreId()))
                        .toList(),
                Duration.ofSeconds(request.ttlSeconds()));
        boolean pending =
                migration.stream().anyMatch(m -> m.state() == io.ballast.reservation.budget.Migration.State.PENDING);
        return Response.status(pending ? 202 : 200)
                .entity(MigrationView.of(migration.getFirst().id(), migration))
                .build();
    }

    @GET
    @Path("/migrations/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A migration as it stands")
    public MigrationView migration(@PathParam("id") String id) {
        return MigrationView.of(id, requests.migration(id));
    }

    @POST
    @Path("/migrations/{id}/commit")
    @RolesAllowed(Roles.ORCHESTRATOR)
    @Operation(summary = "Commits a prepared migration: budgets move to the targets, sources free; idempotent")
    public MigrationView commit(@PathParam("id") String id) {
        return MigrationView.of(id, requests.commitMigration(id));
    }

    @POST
    @Path("/migrations/{id}/abort")
    @RolesAllowed(Roles.ORCHESTRATOR)
    @Operation(summary = "Aborts a migration: its holds are released; idempotent, also after they expired")
    public MigrationView abort(@PathParam("id") String id) {
        return MigrationView.of(id, requests.abortMigration(id));
    }

    /**
     * A new VM's disk to place.
     *
     * @param format {@code raw}, {@code block}, {@code vmdk-flat}, {@code vmdk-sparse} or {@code qcow2}: the last two
     *     count their metadata as overhead
     * @param expectedUtilizedBytes what its guest will use soon after it starts
     * @param profile the profile it will run with; {@code default} when absent
     * @param datastoreId a datastore to look at alone; all of them when absent
     */
    public record PlacementRequest(
            @NotNull @Positive Long designatedBytes,

            @Pattern(regexp = "raw|block|vmdk-flat|vmdk-sparse|qcow2")
            String format,

            @NotNull @PositiveOrZero Long expectedUtilizedBytes,
            @Size(max = 200) String profile,
            @Size(max = 200) String datastoreId) {}

    @POST
    @Path("/placements")
    @RolesAllowed(Roles.ORCHESTRATOR)
    @Operation(summary = "The effective size a new VM's disk gets on each datastore, the best fit first")
    public PlacementView placement(@Valid @NotNull PlacementRequest request) {
        boolean sparse = "qcow2".equals(request.format()) || "vmdk-sparse".equals(request.format());
        return new PlacementView(requests.placement(
                request.designatedBytes(),
                sparse,
                request.expectedUtilizedBytes(),
                Optional.ofNullable(request.profile()),
                Optional.ofNullable(request.datastoreId())));
    }

    /** The effective space a VM must fit, over all its disks. */
    public record ExportBoundRequest(@NotNull @Positive Long bytes) {}

    @POST
    @Path("/vms/{id}/export-bound")
    @RolesAllowed(Roles.ORCHESTRATOR)
    @Operation(summary = "Pins the ballasts that make a VM fit a number of bytes, and issues them")
    public ExportBoundView exportBound(@PathParam("id") String vmId, @Valid @NotNull ExportBoundRequest request) {
        return new ExportBoundView(vmId, request.bytes(), requests.exportBound(vmId, request.bytes()));
    }

    // ---- ledger ------------------------------------------------------------------------------------------------

    @GET
    @Path("/ledger")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "Budget changes with their reasons, newest first, by disk and/or datastore; pass `next` as"
                    + " `before` for older ones")
    public LedgerView ledger(
            @QueryParam("disk") @Size(max = 200) String disk,
            @QueryParam("datastore") @Size(max = 200) String datastore,
            @QueryParam("before") @Positive Long before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(BudgetStore.MAX_PAGE) int limit) {
        return LedgerView.of(store.ledger(
                Optional.ofNullable(disk), Optional.ofNullable(datastore), Optional.ofNullable(before), limit));
    }
}
