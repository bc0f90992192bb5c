package io.ballast.inventory.profile.rest;

import io.ballast.inventory.fleet.Page;
import io.ballast.inventory.profile.Alignment;
import io.ballast.inventory.profile.Profile;
import io.ballast.inventory.profile.Schedule;
import io.ballast.inventory.profile.store.ProfileStore;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
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
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Profiles under {@code /api/v1/profiles}, by name: read with {@code viewer}, created, changed and removed with
 * {@code operator}. Every change is announced on the bus, so the reservation service plans with it at once.
 */
@Path("/api/v1/profiles")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProfileResource {

    private final ProfileStore profiles;
    private final Clock clock = Clock.systemUTC();

    ProfileResource(ProfileStore profiles) {
        this.profiles = profiles;
    }

    /**
     * A profile as the REST interface shows it.
     *
     * @param alignment {@code none}, {@code 64KiB}, {@code 1MiB} or {@code cylinder}
     * @param schedule Unix cron (minute hour day month weekday), UTC; absent for none
     * @param window how long each scheduled maintenance window stays open, ISO-8601 ({@code PT4H})
     * @param builtIn true for the default profile, which VMs naming no profile have and which cannot change
     */
    public record ProfileView(
            String name,
            double minFreeRatio,
            double desiredFreeRatio,
            int priority,
            int growthHorizonDays,
            String alignment,
            List<Integer> noAlign,
            String schedule,
            String window,
            boolean builtIn) {

        public static ProfileView of(Profile profile) {
            return new ProfileView(
                    profile.name(),
                    profile.minFreeRatio(),
                    profile.desiredFreeRatio(),
                    profile.priority(),
                    profile.growthHorizonDays(),
                    profile.alignment().spelling(),
                    profile.noAlign(),
                    profile.schedule().map(Schedule::expression).orElse(null),
                    profile.schedule().map(s -> s.window().toString()).orElse(null),
                    profile.isDefault());
        }
    }

    public record ProfilePage(List<ProfileView> profiles, String next) {}

    /**
     * A profile's rules; absent fields take the default's value (priority 50, growth horizon 7 days, 1MiB alignment,
     * no partition left unaligned, no schedule).
     */
    public record ProfileRequest(
            @NotNull Double minFreeRatio,
            @NotNull Double desiredFreeRatio,
            Integer priority,
            Integer growthHorizonDays,
            String alignment,
            @Size(max = 128) List<@NotNull Integer> noAlign,
            @Size(max = 200) String schedule,
            @Size(max = 50) String window) {

        Profile toProfile(String name) {
            Alignment aligned = Optional.ofNullable(alignment)
                    .map(spelled -> Alignment.of(spelled)
                            .orElseThrow(() -> new Refusal.InvalidInput(
                                    "alignment", "'" + spelled + "' is not one of none, 64KiB, 1MiB, cylinder")))
                    .orElse(Profile.DEFAULT.alignment());
            return new Profile(
                    name,
                    minFreeRatio,
                    desiredFreeRatio,
                    Optional.ofNullable(priority).orElse(Profile.DEFAULT.priority()),
                    Optional.ofNullable(growthHorizonDays).orElse(Profile.DEFAULT.growthHorizonDays()),
                    aligned,
                    Optional.ofNullable(noAlign).orElse(List.of()),
                    chosenSchedule());
        }

        private Optional<Schedule> chosenSchedule() {
            if (schedule == null && window == null) {
                return Optional.empty();
            }
            if (schedule == null) {
                throw new Refusal.InvalidInput("window", "a window needs a schedule to open it");
            }
            if (window == null) {
                throw new Refusal.InvalidInput("window", "a schedule needs a window (ISO-8601, e.g. PT4H)");
            }
            Duration length;
            try {
                length = Duration.parse(window);
            } catch (DateTimeParseException e) {
                throw new Refusal.InvalidInput("window", "'" + window + "' is no ISO-8601 duration (e.g. PT4H)");
            }
            return Optional.of(Schedule.of(schedule, length));
        }
    }

    @GET
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "Profiles in name order, the built-in default among them")
    public ProfilePage list(
            @QueryParam("after") @Size(max = 200) String after,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(Page.MAX_SIZE) int limit) {
        Page<Profile> page = profiles.list(Optional.ofNullable(after), limit);
        return new ProfilePage(
                page.items().stream().map(ProfileView::of).toList(), page.next().orElse(null));
    }

    @GET
    @Path("/{name}")
    @RolesAllowed(Roles.VIEWER)
    @Operation(summary = "A profile")
    public ProfileView get(@PathParam("name") String name) {
        return ProfileView.of(profiles.get(name));
    }

    @PUT
    @Path("/{name}")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Creates (201) or replaces (200) a profile and announces it; the default cannot change")
    public Response put(@PathParam("name") String name, @Valid @NotNull ProfileRequest request) {
        ProfileStore.Put put = profiles.put(request.toProfile(name), clock.instant());
        ProfileView view = ProfileView.of(put.profile());
        return put.created()
                ? Response.created(URI.create("/api/v1/profiles/" + name))
                        .entity(view)
                        .build()
                : Response.ok(view).build();
    }

    @DELETE
    @Path("/{name}")
    @RolesAllowed(Roles.OPERATOR)
    @Operation(summary = "Removes a profile no VM names (409 while one does)")
    public Response remove(@PathParam("name") String name) {
        profiles.remove(name);
        return Response.noContent().build();
    }
}
