package io.ballast.inventory.report.rest;

import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.report.Reports;
import io.ballast.inventory.report.Reports.AlignmentRow;
import io.ballast.inventory.report.Reports.DatastoreRow;
import io.ballast.inventory.report.Reports.ProfileSavingsRow;
import io.ballast.inventory.report.Reports.SavingsRow;
import io.ballast.inventory.report.Reports.VmRow;
import io.ballast.inventory.report.store.ReportQueries;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The operator's reports under {@code /api/v1/reports} ({@code viewer}), each as JSON or as CSV ({@code ?format=csv},
 * or {@code Accept: text/csv}): the same rows, one CSV line per JSON object. A paged report's CSV names its next page
 * in a {@code Link: <…>; rel="next"} header.
 */
@Path("/api/v1/reports")
@Produces({MediaType.APPLICATION_JSON, Csv.MEDIA_TYPE})
public class ReportResource {

    private final ReportQueries reports;

    ReportResource(ReportQueries reports) {
        this.reports = reports;
    }

    @GET
    @Path("/vms")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "Every VM's disks: guest-side total, used, free and free %, ballast, host-side backed bytes and"
                    + " alignment; by host, datastore and profile, in pages")
    public Response vms(
            @QueryParam("host") @Size(max = 200) String host,
            @QueryParam("datastore") @Size(max = 200) String datastore,
            @QueryParam("profile") @Size(max = 200) String profile,
            @QueryParam("after") @Size(max = 300) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(Page.MAX_SIZE) int limit,
            @QueryParam("format") String format,
            @HeaderParam(HttpHeaders.ACCEPT) String accept,
            @Context UriInfo uri) {
        Reports.Page<VmRow> page = reports.vms(
                new ReportQueries.VmFilter(
                        Optional.ofNullable(host),
                        Optional.ofNullable(datastore),
                        Optional.ofNullable(profile).map(p -> p.equals("default") ? "" : p)),
                Optional.ofNullable(after),
                limit);
        if (csv(format, accept)) {
            Response.ResponseBuilder response = Response.ok(Csv.of(VmRow.class, page.rows()), Csv.MEDIA_TYPE);
            if (page.next() != null) {
                response.link(
                        uri.getRequestUriBuilder()
                                .replaceQueryParam("after", page.next())
                                .build(),
                        "next");
            }
            return response.build();
        }
        return Response.ok(page, MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/datastores")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Every datastore: capacity, allocated, reserve, provisioned, over-subscription and free")
    public Response datastores(@QueryParam("format") String format, @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        List<DatastoreRow> rows = reports.datastores();
        return csv(format, accept)
                ? Response.ok(Csv.of(DatastoreRow.class, rows), Csv.MEDIA_TYPE).build()
                : Response.ok(new Rows<>(rows), MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/savings")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "What right-sizing by profile would save per disk, per profile and in total, with its cost,"
                    + " next to what finished resizes saved; the CSV has one line per disk")
    public Response savings(@QueryParam("format") String format, @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        Reports.Savings savings = reports.savings();
        return csv(format, accept)
                ? Response.ok(Csv.of(SavingsRow.class, savings.disks()), Csv.MEDIA_TYPE)
                        .build()
                : Response.ok(savings, MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/savings/profiles")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "The savings report per profile")
    public Response savingsByProfile(
            @QueryParam("format") String format, @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        List<ProfileSavingsRow> rows = reports.savings().profiles();
        return csv(format, accept)
                ? Response.ok(Csv.of(ProfileSavingsRow.class, rows), Csv.MEDIA_TYPE)
                        .build()
                : Response.ok(new Rows<>(rows), MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/alignment")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "Every scanned partition's start, the boundary it lies on and its status as virt-alignment-scan"
                    + " gives it (0 on 64 KiB or better, 2 below, 3 below 4 KiB)")
    public Response alignment(@QueryParam("format") String format, @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        List<AlignmentRow> rows = reports.alignment();
        return csv(format, accept)
                ? Response.ok(Csv.of(AlignmentRow.class, rows), Csv.MEDIA_TYPE).build()
                : Response.ok(new Rows<>(rows), MediaType.APPLICATION_JSON).build();
    }

    /** A report without pages. */
    public record Rows<T>(List<T> rows) {}

    private static boolean csv(String format, String accept) {
        if (format != null) {
            return switch (format) {
                case "csv" -> true;
                case "json" -> false;
                default -> throw new Refusal.InvalidInput("format", "'" + format + "' is not json or csv");
            };
        }
        return accept != null && accept.contains(Csv.MEDIA_TYPE) && !accept.contains(MediaType.APPLICATION_JSON);
    }
}
