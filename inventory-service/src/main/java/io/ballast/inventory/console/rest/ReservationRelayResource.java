package io.ballast.inventory.console.rest;

import io.ballast.inventory.client.ReservationRest;
import io.ballast.inventory.console.ReservationCall;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.Encoded;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * reservation-service's REST API as the operator console's pages reach it: on the console's own origin (no CORS),
 * relayed with the caller's own bearer token, so reservation-service checks the caller's role exactly as for a direct
 * call and its answer (refusals included) comes back as it is. Inventory checks the token as well: nothing is relayed
 * without a valid one. Only the calls the console's pages make are relayed ({@link ReservationCall}).
 */
@Path("/console/reservation/api/v1")
public class ReservationRelayResource {

    private final ReservationRest reservation;

    ReservationRelayResource(ReservationRest reservation) {
        this.reservation = reservation;
    }

    @GET
    @Path("{path: .+}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "The operator console's reads of reservation-service, relayed with the caller's token")
    public Response read(
            @PathParam("path") @Encoded String path,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context UriInfo uri) {
        return relay("GET", path, authorization, uri, new byte[0]);
    }

    @POST
    @Path("{path: .+}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "A growth request from the operator console, relayed to reservation-service with the caller's"
                    + " token (which reservation-service requires to carry the orchestrator role)")
    public Response post(
            @PathParam("path") @Encoded String path,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context UriInfo uri,
            byte[] body) {
        return relay("POST", path, authorization, uri, body);
    }

    @PUT
    @Path("{path: .+}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "A ballast override from the operator console, relayed to reservation-service with the"
                    + " caller's token (which reservation-service requires to carry the operator role)")
    public Response put(
            @PathParam("path") @Encoded String path,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context UriInfo uri,
            byte[] body) {
        return relay("PUT", path, authorization, uri, body);
    }

    private Response relay(String method, String path, String authorization, UriInfo uri, byte[] body) {
        ReservationCall call = ReservationCall.of(method, path)
                .orElseThrow(() -> new Refusal.NotFound(
                        "call the console relays to reservation-service,", method + " /api/v1/" + path));
        ReservationRest.Answer answer =
                reservation.call(call, Optional.ofNullable(uri.getRequestUri().getRawQuery()), authorization, body);
        return Response.status(answer.status())
                .type(answer.contentType())
                .entity(answer.body())
                .build();
    }
}
