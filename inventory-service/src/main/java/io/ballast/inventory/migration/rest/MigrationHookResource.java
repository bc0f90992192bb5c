package io.ballast.inventory.migration.rest;

import io.ballast.inventory.migration.VmMigration;
import io.ballast.inventory.migration.store.MigrationHook;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * libvirt's qemu hook under {@code /api/v1} ({@code deploy/libvirt/qemu} calls it with the domain's XML as the body):
 * prepare on the destination's {@code migrate begin}, commit on the source's {@code release end migrated}, abort on the
 * destination's {@code release end failed}; and a VM's newest migration for everyone to read.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class MigrationHookResource {

    /** The longest domain XML taken. */
    static final int MAX_XML = 1 << 20;

    private final MigrationHook hook;

    MigrationHookResource(MigrationHook hook) {
        this.hook = hook;
    }

    /** A migration as the hook recorded it. */
    public record MigrationView(
            String vmId,
            String migrationId,
            String fromHostId,
            String toHostId,
            VmMigration.State state,
            List<VmMigration.Move> disks,
            Instant startedAt,
            Instant expiresAt,
            Instant endedAt,
            String detail) {

        static MigrationView of(VmMigration migration) {
            return new MigrationView(
                    migration.vmId(),
                    migration.migrationId(),
                    migration.fromHostId(),
                    migration.toHostId(),
                    migration.state(),
                    migration.disks(),
                    migration.startedAt(),
                    migration.expiresAt(),
                    migration.endedAt().orElse(null),
                    migration.detail());
        }
    }

    /**
     * What a hook call did.
     *
     * @param migration the VM's migration it prepared, committed or aborted; absent when there was none
     */
    public record HookView(String vmId, MigrationHook.Result result, String detail, MigrationView migration) {}

    /**
     * One call of libvirt's qemu hook.
     *
     * @param action {@code prepare} (the destination's {@code migrate begin}), {@code commit} (the source's {@code
     *     release end migrated}) or {@code abort} (the destination's {@code release end failed})
     * @param host the calling host: inventory's id of it, or the name its hypervisor gives itself
     */
    @POST
    @Path("/libvirt/qemu-hook/{action}")
    @Consumes({MediaType.APPLICATION_XML, MediaType.TEXT_XML})
    @RolesAllowed(Roles.ORCHESTRATOR)
    @Operation(
            summary = "libvirt's qemu hook: prepare, commit or abort a VM's migration from its domain XML; a refusal"
                    + " (409) stops the migration at prepare")
    public HookView hook(
            @PathParam("action") @Pattern(regexp = "prepare|commit|abort") String action,
            @QueryParam("host") @NotBlank @Size(max = 253) String host,
            @NotNull @Size(min = 1, max = MAX_XML) String domainXml) {
        MigrationHook.Outcome outcome =
                switch (action) {
                    case "prepare" -> hook.prepare(host, domainXml);
                    case "commit" -> hook.commit(host, domainXml);
                    case "abort" -> hook.abort(host, domainXml);
                    default -> throw new Refusal.InvalidInput("action", "must be prepare, commit or abort");
                };
        return new HookView(
                outcome.vmId(),
                outcome.result(),
                outcome.detail(),
                outcome.migration().map(MigrationView::of).orElse(null));
    }

    @GET
    @Path("/vms/{id}/migration")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A VM's newest migration libvirt's hook reported: its holds' id, target, state and end")
    public MigrationView migration(@PathParam("id") String vmId) {
        return hook.of(vmId).map(MigrationView::of).orElseThrow(() -> new Refusal.NotFound("migration of VM", vmId));
    }
}
