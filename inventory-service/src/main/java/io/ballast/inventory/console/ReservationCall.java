package io.ballast.inventory.console;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A call of reservation-service's REST API that the operator console relays for a page: only the reads its pages
 * show and the operator actions they offer, each under {@code /api/v1}. Anything else is not the console's to relay
 * (the caller may use reservation-service's API directly).
 *
 * @param method {@code GET}, {@code POST} or {@code PUT}
 * @param path the path under {@code /api/v1}, without a leading slash, e.g. {@code disks/d-1/ballast}
 */
public record ReservationCall(String method, String path) {

    /** An id as reservation-service's paths take it: no empty, {@code .} or {@code ..} segment can hide in one. */
    private static final String ID = "[A-Za-z0-9_:-][A-Za-z0-9._:-]{0,199}";

    private record Route(String method, Pattern path) {}

    private static final List<Route> ROUTES = List.of(
            route("GET", "datastores"),
            route("GET", "datastores/" + ID),
            route("GET", "datastores/" + ID + "/disks"),
            route("GET", "disks/" + ID),
            route("GET", "growth/" + ID),
            route("GET", "migrations/" + ID),
            route("GET", "ledger"),
            route("POST", "disks/" + ID + "/growth"),
            route("PUT", "disks/" + ID + "/ballast"));

    private static Route route(String method, String path) {
        return new Route(method, Pattern.compile(path));
    }

    /** The call, when the console relays {@code method path}; empty when it does not. */
    public static Optional<ReservationCall> of(String method, String path) {
        return ROUTES.stream()
                .filter(route -> route.method().equals(method)
                        && route.path().matcher(path).matches())
                .findFirst()
                .map(route -> new ReservationCall(method, path));
    }

    /** Whether the call carries a JSON body. */
    public boolean hasBody() {
        return !method.equals("GET");
    }
}
