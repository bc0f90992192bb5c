package io.ballast.inventory.fleet.rest;

import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.KeptDatastore;
import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.fleet.Recorded;
import io.ballast.inventory.fleet.rest.FleetViews.DatastorePage;
import io.ballast.inventory.fleet.rest.FleetViews.DatastoreView;
import io.ballast.inventory.fleet.rest.FleetViews.DiscoveryView;
import io.ballast.inventory.fleet.rest.FleetViews.DiskPage;
import io.ballast.inventory.fleet.rest.FleetViews.DiskView;
import io.ballast.inventory.fleet.rest.FleetViews.HostPage;
import io.ballast.inventory.fleet.rest.FleetViews.HostView;
import io.ballast.inventory.fleet.rest.FleetViews.LookView;
import io.ballast.inventory.fleet.rest.FleetViews.RefreshView;
import io.ballast.inventory.fleet.rest.FleetViews.UsageHistoryView;
import io.ballast.inventory.fleet.rest.FleetViews.VmPage;
import io.ballast.inventory.fleet.rest.FleetViews.VmView;
import io.ballast.inventory.fleet.store.Discoveries;
import io.ballast.inventory.fleet.store.FleetReads;
import io.ballast.inventory.fleet.store.FleetStore;
import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
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
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The fleet under {@code /api/v1}: hosts, datastores, VMs and virtual disks as inventory recorded them, and the
 * libvirt URIs they are discovered through. Lists are in id order: pass a page's {@code next} as {@code after} for
 * the next one; gone records are left out unless {@code gone=true}. Hosts and datastores of a fleet without libvirt
 * are kept here too. Reads need {@code viewer}; adding and keeping hosts and datastores, setting a reserve and asking
 * for a look need {@code operator}.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class FleetResource {

    private static final String STATES = "RUNNING|PAUSED|SHUT_OFF";
    /** The id of a host or datastore kept over REST: it goes into URLs and onto the bus. */
    private static final String KEPT_ID = "[a-z0-9][a-z0-9._-]{0,199}";

    private final FleetReads reads;
    private final FleetStore store;
    private final Discoveries discoveries;
    private final UsageStore usage;
    private final Clock clock = Clock.systemUTC();

    FleetResource(FleetReads reads, FleetStore store, Discoveries discoveries, UsageStore usage) {
        this.reads = reads;
        this.usage = usage;
        this.store = store;
        this.discoveries = discoveries;
    }

    // ---- hosts -------------------------------------------------------------------------------------------------

    @GET
    @Path("/hosts")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Hosts in id order, with how their last look went")
    public HostPage hosts(
            @QueryParam("after") @Size(max = 200) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(Page.MAX_SIZE) int limit,
            @QueryParam("gone") @DefaultValue("false") boolean gone) {
        Page<Recorded.Host> page = reads.hosts(Optional.ofNullable(after), limit, gone);
        return new HostPage(
                page.items().stream().map(this::hostView).toList(), page.next().orElse(null));
    }

    @GET
    @Path("/hosts/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A host, with how its last look went")
    public HostView host(@PathParam("id") String id) {
        return hostView(reads.host(id));
    }

    /** A libvirt host to discover, e.g. {@code qemu+ssh://root@host-1/system}. */
    public record NewHost(
            @NotBlank @Size(max = 1000) @Pattern(regexp = "[a-z][a-z0-9+.-]*:.*", message = "must be a libvirt URI")
            String uri) {}

    @POST
    @Path("/hosts")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(
            summary = "Adds a libvirt host and looks at it at once: 201 with the host; 409, with nothing kept, if it"
                    + " cannot be reached")
    public Response addHost(@Valid @NotNull NewHost host) {
        boolean known = discoveries.uris().contains(host.uri());
        discoveries.add(host.uri());
        Discoveries.Look look = discoveries.refresh(host.uri());
        switch (look.outcome()) {
            case RECORDED -> {}
            case BUSY -> throw new Refusal.Aborted("a look at " + host.uri() + " is in progress; ask again");
            case FAILED -> {
                if (!known) {
                    discoveries.forget(host.uri());
                }
                throw new Refusal.FailedPrecondition(look.error().orElse("the host could not be looked at")
                        + (known ? "" : "; the host is not added"));
            }
        }
        String id = look.hostId().orElseThrow();
        return Response.created(URI.create("/api/v1/hosts/" + id))
                .entity(hostView(reads.host(id)))
                .build();
    }

    /** A host no libvirt URI shows (a fleet without libvirt), kept over REST. */
    public record KeptHost(@NotBlank @Size(max = 200) String name) {}

    @PUT
    @Path("/hosts/{id}")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(
            summary = "Creates (201) or renames (200) a host kept over REST, for a fleet without libvirt; announced as"
                    + " HostUpserted. 409 for a host discovered through libvirt")
    public Response keepHost(
            @PathParam("id") @Pattern(regexp = KEPT_ID, message = "must match " + KEPT_ID) String id,
            @Valid @NotNull KeptHost host) {
        FleetStore.Kept<Recorded.Host> kept = store.keepHost(id, host.name(), clock.instant());
        return kept(kept.created(), "/api/v1/hosts/" + id, hostView(kept.record()));
    }

    private HostView hostView(Recorded.Host host) {
        return HostView.of(host, reads.connectionOf(host.id()));
    }

    // ---- datastores --------------------------------------------------------------------------------------------

    @GET
    @Path("/datastores")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Datastores in id order; `host` keeps those a host reaches")
    public DatastorePage datastores(
            @QueryParam("host") @Size(max = 200) String host,
            @QueryParam("after") @Size(max = 200) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(Page.MAX_SIZE) int limit,
            @QueryParam("gone") @DefaultValue("false") boolean gone) {
        Page<Recorded.Datastore> page =
                reads.datastores(Optional.ofNullable(host), Optional.ofNullable(after), limit, gone);
        return new DatastorePage(
                page.items().stream().map(DatastoreView::of).toList(),
                page.next().orElse(null));
    }

    @GET
    @Path("/datastores/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A datastore: capacity, allocation, reserve and what no disk image holds")
    public DatastoreView datastore(@PathParam("id") String id) {
        return DatastoreView.of(reads.datastore(id));
    }

    /**
     * A datastore no pool reports (a fleet without libvirt), kept over REST.
     *
     * @param location where it lives (an NFS export, a LUN); its name when absent
     * @param hostIds the hosts that reach it: hosts inventory knows, discovered or kept over REST
     * @param reserveBytes headroom kept free; when absent, the one it has (a new datastore: 5 % of its capacity)
     */
    public record KeptDatastoreRequest(
            @NotBlank @Size(max = 200) String name,
            @Size(max = 4096) String location,
            @NotEmpty @Size(max = 100) List<@NotBlank @Size(max = 200) String> hostIds,
            @NotNull @PositiveOrZero Long capacityBytes,
            @NotNull @PositiveOrZero Long allocatedBytes,
            @PositiveOrZero Long reserveBytes) {

        KeptDatastore toKept() {
            return new KeptDatastore(
                    name,
                    location == null || location.isBlank() ? name : location,
                    hostIds,
                    capacityBytes,
                    allocatedBytes,
                    Optional.ofNullable(reserveBytes));
        }
    }

    @PUT
    @Path("/datastores/{id}")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(
            summary = "Creates (201) or replaces (200) the figures of a datastore kept over REST, for a fleet without"
                    + " libvirt; announced as DatastoreUpserted. 409 for a pool discovered through libvirt (its"
                    + " reserve is set with PUT /datastores/{id}/reserve)")
    public Response keepDatastore(
            @PathParam("id") @Pattern(regexp = KEPT_ID, message = "must match " + KEPT_ID) String id,
            @Valid @NotNull KeptDatastoreRequest datastore) {
        FleetStore.Kept<Recorded.Datastore> kept = store.keepDatastore(id, datastore.toKept(), clock.instant());
        return kept(kept.created(), "/api/v1/datastores/" + id, DatastoreView.of(kept.record()));
    }

    /** 201 with where it is for a record the request created, else 200. */
    private static Response kept(boolean created, String path, Object view) {
        return created
                ? Response.created(URI.create(path)).entity(view).build()
                : Response.ok(view).build();
    }

    /** The headroom a datastore keeps free. */
    public record Reserve(@NotNull @PositiveOrZero Long reserveBytes) {}

    @PUT
    @Path("/datastores/{id}/reserve")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Sets the headroom a datastore keeps free (the reservation service's first policy for it)")
    public DatastoreView reserve(@PathParam("id") String id, @Valid @NotNull Reserve reserve) {
        return DatastoreView.of(store.setReserve(id, reserve.reserveBytes(), clock.instant()));
    }

    // ---- VMs and disks -----------------------------------------------------------------------------------------

    @GET
    @Path("/vms")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "VMs in id order, by host, datastore (a disk on it), profile (empty: the default) and power"
                    + " state")
    public VmPage vms(
            @QueryParam("host") @Size(max = 200) String host,
            @QueryParam("datastore") @Size(max = 200) String datastore,
            @QueryParam("profile") @Size(max = 200) String profile,
            @QueryParam("powerState") @Pattern(regexp = STATES) String powerState,
            @QueryParam("after") @Size(max = 200) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(Page.MAX_SIZE) int limit,
            @QueryParam("gone") @DefaultValue("false") boolean gone) {
        FleetReads.VmFilter filter = new FleetReads.VmFilter(
                Optional.ofNullable(host),
                Optional.ofNullable(datastore),
                Optional.ofNullable(profile),
                Optional.ofNullable(powerState).map(Discovered.PowerState::valueOf),
                gone);
        Page<Recorded.Vm> page = reads.vms(filter, Optional.ofNullable(after), limit);
        return new VmPage(
                page.items().stream().map(VmView::of).toList(), page.next().orElse(null));
    }

    @GET
    @Path("/vms/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A VM, its disks and its guest filesystems' latest usage")
    public VmView vm(@PathParam("id") String id) {
        Recorded.Vm vm = reads.vm(id);
        return VmView.of(vm, reads.disksOfVm(id, vm.goneAt().isPresent()), usage.ofVm(id));
    }

    @GET
    @Path("/vms/{id}/usage")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "A guest filesystem's usage since a time (default: a day ago): every report for the last day,"
                    + " hourly summaries before")
    public UsageHistoryView usage(
            @PathParam("id") String id,
            @QueryParam("mountPoint") @NotBlank @Size(max = 4096) String mountPoint,
            @QueryParam("since") @Size(max = 40) String since) {
        reads.vm(id);
        Instant from;
        try {
            from = since == null ? clock.instant().minus(Duration.ofDays(1)) : Instant.parse(since);
        } catch (DateTimeParseException e) {
            throw new Refusal.InvalidInput("since", "'" + since + "' is no ISO-8601 time (e.g. 2026-12-01T00:00:00Z)");
        }
        return new UsageHistoryView(id, mountPoint, usage.history(id, mountPoint, from));
    }

    /** The profile a VM takes its rules from; {@code default} (or empty) for the built-in one. */
    public record ProfileChoice(@NotNull @Size(max = 63) String profile) {}

    @PUT
    @Path("/vms/{id}/profile")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Gives a VM a profile and announces it (VmUpserted)")
    public VmView profile(@PathParam("id") String id, @Valid @NotNull ProfileChoice choice) {
        Recorded.Vm vm = store.assignProfile(id, choice.profile(), clock.instant());
        return VmView.of(vm, reads.disksOfVm(id, false), usage.ofVm(id));
    }

    @GET
    @Path("/disks")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Virtual disks in id order, by VM and datastore")
    public DiskPage disks(
            @QueryParam("vm") @Size(max = 200) String vm,
            @QueryParam("datastore") @Size(max = 200) String datastore,
            @QueryParam("after") @Size(max = 200) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(Page.MAX_SIZE) int limit,
            @QueryParam("gone") @DefaultValue("false") boolean gone) {
        Page<Recorded.Disk> page = reads.disks(
                new FleetReads.DiskFilter(Optional.ofNullable(vm), Optional.ofNullable(datastore), gone),
                Optional.ofNullable(after),
                limit);
        return new DiskPage(
                page.items().stream().map(DiskView::of).toList(), page.next().orElse(null));
    }

    @GET
    @Path("/disks/{id}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A virtual disk")
    public DiskView disk(@PathParam("id") String id) {
        return DiskView.of(reads.disk(id));
    }

    // ---- discovery ---------------------------------------------------------------------------------------------

    @GET
    @Path("/discovery")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "The libvirt URIs inventory looks at and how each one's last look went")
    public DiscoveryView discovery() {
        List<String> looked = discoveries.uris();
        return new DiscoveryView(reads.connections().stream()
                .filter(c -> looked.contains(c.uri()))
                .map(FleetViews.ConnectionView::of)
                .toList());
    }

    @POST
    @Path("/discovery/refresh")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Looks at every host now (or only the one `uri` names) and answers how each look went")
    public RefreshView refresh(@QueryParam("uri") @Size(max = 1000) String uri) {
        List<Discoveries.Look> looks = uri == null ? discoveries.refreshAll() : List.of(discoveries.refresh(uri));
        return new RefreshView(looks.stream().map(LookView::of).toList());
    }
}
