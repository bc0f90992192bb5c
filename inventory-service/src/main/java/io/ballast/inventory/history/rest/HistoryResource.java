package io.ballast.inventory.history.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.ballast.inventory.budget.BudgetChange;
import io.ballast.inventory.budget.store.BudgetChanges;
import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.fleet.store.FleetReads;
import io.ballast.inventory.history.VmHistory;
import io.ballast.inventory.job.rest.JobResource.JobView;
import io.ballast.inventory.job.store.Jobs;
import io.ballast.inventory.usage.HourlyUsage;
import io.ballast.inventory.usage.store.UsageStore;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * A VM's history under {@code /api/v1} ({@code viewer}): its jobs, the budget changes seen on the bus for its disks
 * and its guest's usage hour by hour, in one time-ordered list.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class HistoryResource {

    /** How far back a history goes when {@code since} is not given. */
    static final Duration DEFAULT_SPAN = Duration.ofDays(7);

    private final FleetReads fleet;
    private final Jobs jobs;
    private final BudgetChanges budgets;
    private final UsageStore usage;
    private final Clock clock = Clock.systemUTC();

    HistoryResource(FleetReads fleet, Jobs jobs, BudgetChanges budgets, UsageStore usage) {
        this.fleet = fleet;
        this.jobs = jobs;
        this.budgets = budgets;
        this.usage = usage;
    }

    @GET
    @Path("/vms/{id}/history")
    @RolesAllowed(Roles.VIEWER)
    @Operation(
            summary = "A VM's history, oldest first: its jobs (when created, with their steps), the budget changes seen"
                    + " on the bus for its disks, and its filesystems' usage hour by hour; from `since` (default: 7"
                    + " days before `until`) before `until` (default: now); `type` (repeatable) keeps job, budget or"
                    + " usage entries; pass `next` as `after` for the next page")
    public HistoryView history(
            @PathParam("id") String id,
            @QueryParam("since") @Size(max = 40) String since,
            @QueryParam("until") @Size(max = 40) String until,
            @QueryParam("type") @Size(max = 3) List<@Pattern(regexp = "job|budget|usage") String> types,
            @QueryParam("after") @Size(max = 1000) String after,
            @QueryParam("limit") @DefaultValue("500") @Min(1) @Max(Page.MAX_SIZE) int limit) {
        fleet.vm(id);
        Instant to = until == null ? clock.instant() : instant("until", until);
        VmHistory.Window window =
                new VmHistory.Window(since == null ? to.minus(DEFAULT_SPAN) : instant("since", since), to);
        Optional<VmHistory.Position> from = Optional.ofNullable(after).map(VmHistory.Position::of);
        Set<VmHistory.Type> wanted = EnumSet.allOf(VmHistory.Type.class);
        if (types != null && !types.isEmpty()) {
            wanted.clear();
            types.forEach(type -> wanted.add(VmHistory.Type.valueOf(type.toUpperCase(Locale.ROOT))));
        }

        // each source one more than a page, so the merge knows whether more remain
        List<VmHistory.Entry> entries = new ArrayList<>();
        if (wanted.contains(VmHistory.Type.JOB)) {
            jobs.ofVm(id, VmHistory.from(window, from, VmHistory.Type.JOB), window.until(), limit + 1).stream()
                    .map(VmHistory.JobEntry::new)
                    .forEach(entries::add);
        }
        if (wanted.contains(VmHistory.Type.BUDGET)) {
            budgets.ofVm(id, VmHistory.from(window, from, VmHistory.Type.BUDGET), window.until(), limit + 1).stream()
                    .map(VmHistory.BudgetEntry::new)
                    .forEach(entries::add);
        }
        if (wanted.contains(VmHistory.Type.USAGE)) {
            entries.addAll(VmHistory.byHour(
                    usage.hourly(id, VmHistory.from(window, from, VmHistory.Type.USAGE), window.until(), limit + 1)));
        }
        VmHistory.Page page = VmHistory.page(entries, limit);
        return new HistoryView(
                id,
                window.since(),
                window.until(),
                page.entries().stream().map(EntryView::of).toList(),
                page.next().orElse(null));
    }

    private static Instant instant(String field, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new Refusal.InvalidInput(field, "'" + text + "' is no ISO-8601 time (e.g. 2026-12-01T00:00:00Z)");
        }
    }

    /**
     * A page of a VM's history.
     *
     * @param entries oldest first
     * @param next pass it as {@code after} (with the same {@code since} and {@code until}) for the next page; absent
     *     on the last
     */
    public record HistoryView(String vmId, Instant since, Instant until, List<EntryView> entries, String next) {}

    /**
     * One entry: {@code type} says which of {@code job}, {@code budget} and {@code usage} it holds.
     *
     * @param usage the VM's filesystems over the hour starting at {@code at}, by mount point
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EntryView(Instant at, String type, JobView job, BudgetView budget, List<FilesystemHourView> usage) {

        static EntryView of(VmHistory.Entry entry) {
            String type = entry.type().name().toLowerCase(Locale.ROOT);
            return switch (entry) {
                case VmHistory.JobEntry job -> new EntryView(entry.at(), type, JobView.of(job.job()), null, null);
                case VmHistory.BudgetEntry budget ->
                    new EntryView(entry.at(), type, null, BudgetView.of(budget.change()), null);
                case VmHistory.UsageEntry hour ->
                    new EntryView(
                            entry.at(),
                            type,
                            null,
                            null,
                            hour.filesystems().stream()
                                    .map(FilesystemHourView::of)
                                    .toList());
            };
        }
    }

    /**
     * A budget change seen on the bus.
     *
     * @param diskId the disk {@code guestDisk} names; absent while it names none
     * @param change {@code SET} (the reservation service set the ballast's size), {@code APPLIED} or {@code FAILED}
     *     (the agent's answer)
     * @param ballastBytes the size set, or the size in place after the answer
     * @param previousBallastBytes the same figure for the filesystem before; absent for the first one kept
     * @param failure why the agent could not: {@code NO_SPACE}, {@code UNKNOWN_FILESYSTEM}, {@code IO_ERROR}, {@code
     *     NOT_OWNED}
     */
    public record BudgetView(
            String diskId,
            String guestDisk,
            String mountPoint,
            long generation,
            String change,
            long ballastBytes,
            Long previousBallastBytes,
            String failure,
            String detail) {

        static BudgetView of(BudgetChange.Kept kept) {
            BudgetChange change = kept.change();
            return new BudgetView(
                    kept.diskId().orElse(null),
                    change.guestDisk(),
                    change.mountPoint(),
                    change.generation(),
                    change.kind().name(),
                    change.ballastBytes(),
                    kept.previousBallastBytes().isPresent()
                            ? kept.previousBallastBytes().getAsLong()
                            : null,
                    change.failure().orElse(null),
                    change.detail());
        }
    }

    /**
     * A guest filesystem over an hour.
     *
     * @param utilizedBytes the mean of the hour's reports
     * @param utilizedMaxBytes the highest of them
     * @param totalBytes the hour's last report's, as {@code ballastBytes}
     */
    public record FilesystemHourView(
            String mountPoint,
            String diskId,
            long totalBytes,
            long utilizedBytes,
            long utilizedMaxBytes,
            long ballastBytes,
            int reports) {

        static FilesystemHourView of(HourlyUsage hour) {
            return new FilesystemHourView(
                    hour.mountPoint(),
                    hour.diskId().orElse(null),
                    hour.totalBytes(),
                    hour.utilizedBytes(),
                    hour.utilizedMaxBytes(),
                    hour.ballastBytes(),
                    hour.reports());
        }
    }
}
