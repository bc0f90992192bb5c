package io.ballast.support.probe;

import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** REST endpoints that refuse, fail, validate and need roles, for the error boundary and authentication tests. */
@Path("/api/v1/probe")
@Produces(MediaType.APPLICATION_JSON)
public class ProbeResource {

    /** A request body with constraints. */
    public record Resize(@NotBlank String disk, @Positive long bytes) {}

    @GET
    @Path("/throw/{kind}")
    public String throwing(@PathParam("kind") String kind) {
        throw Probes.failure(kind);
    }

    @POST
    @Path("/resize")
    @Consumes(MediaType.APPLICATION_JSON)
    public Resize resize(@Valid Resize resize) {
        return resize;
    }

    @GET
    @Path("/page")
    public String page(@QueryParam("limit") @Max(100) int limit) {
        return "limit " + limit;
    }

    @GET
    @Path("/budgets")
    @RolesAllowed(Roles.VIEWER)
    public String read() {
        return "budgets";
    }

    @POST
    @Path("/overrides")
    @RolesAllowed(Roles.OPERATOR)
    public String override() {
        return "overridden";
    }
}
