package io.ballast.inventory.console.rest;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The operator console's pages under {@code /console}, rendered by Qute. A page holds no figures of the fleet, so it
 * is served to anyone: its script ({@code /console/assets/console.js}) reads them from the same REST APIs an
 * orchestrator uses, with the token the user signed in with (kept in the browser tab's session storage), and
 * reservation-service's through {@link ReservationRelayResource}.
 */
@Path("/console")
@Produces(MediaType.TEXT_HTML)
public class ConsoleResource {

    /**
     * What the layout needs of a page: its title, which navigation entry it belongs to, and what it is about.
     *
     * @param name the page's name, which selects what its script shows
     * @param subject the datastore or disk the page shows; empty for the others
     */
    public record Page(String name, String title, String section, String subject) {}

    @CheckedTemplate(basePath = "console")
    static class Templates {
        static native TemplateInstance page(Page page);
    }

    @GET
    @PermitAll
    @Operation(summary = "The console's fleet overview: datastores with capacity, reserve, demand, holds, headroom")
    public TemplateInstance overview() {
        return page("overview", "Fleet", "fleet", "");
    }

    @GET
    @Path("/sign-in")
    @PermitAll
    @Operation(summary = "The console's sign-in form: a bearer token kept in the browser tab's session storage")
    public TemplateInstance signIn() {
        return page("sign-in", "Sign in", "sign-in", "");
    }

    @GET
    @Path("/datastores/{id}")
    @PermitAll
    @Operation(summary = "The console's page of one datastore: its disks with budgets and ballast state")
    public TemplateInstance datastore(@PathParam("id") String id) {
        return page("datastore", "Datastore " + id, "fleet", id);
    }

    @GET
    @Path("/disks/{id}")
    @PermitAll
    @Operation(summary = "The console's page of one disk: usage and forecast, budget, ledger, growth and override")
    public TemplateInstance disk(@PathParam("id") String id) {
        return page("disk", "Disk " + id, "fleet", id);
    }

    @GET
    @Path("/vms")
    @PermitAll
    @Operation(summary = "The console's VM report: guest usage next to host allocation, alignment, savings, CSV")
    public TemplateInstance vms() {
        return page("vms", "VM report", "vms", "");
    }

    @GET
    @Path("/jobs")
    @PermitAll
    @Operation(summary = "The console's resize jobs with live step progress, dry runs and starts")
    public TemplateInstance jobs() {
        return page("jobs", "Resize jobs", "jobs", "");
    }

    @GET
    @Path("/alerts")
    @PermitAll
    @Operation(summary = "The console's alerts and migration recommendations")
    public TemplateInstance alerts() {
        return page("alerts", "Alerts", "alerts", "");
    }

    private static TemplateInstance page(String name, String title, String section, String subject) {
        return Templates.page(new Page(name, title, section, subject));
    }
}
