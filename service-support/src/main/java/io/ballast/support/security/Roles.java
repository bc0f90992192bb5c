package io.ballast.support.security;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The roles a Ballast bearer token carries (its {@code groups} claim), for {@code @RolesAllowed} on REST endpoints and
 * gRPC methods. Operators and orchestrators may read too: a token with either role is also a {@link #VIEWER}, so a
 * read endpoint names {@link #VIEWER} alone.
 */
public final class Roles {

    /** Reads: budgets, ledgers, inventory, reports. */
    public static final String VIEWER = "viewer";

    /** Overrides, policy, profiles, resize jobs, and growth requests (a person answering an alert). */
    public static final String OPERATOR = "operator";

    /** Growth requests, migrations, placements: what a cloud orchestrator or a migration hook asks for. */
    public static final String ORCHESTRATOR = "orchestrator";

    /** Every role, in the order of the list above. */
    public static final List<String> ALL = List.of(VIEWER, OPERATOR, ORCHESTRATOR);

    private Roles() {}

    /** The roles a token granting {@code roles} has: those, plus {@link #VIEWER} for an operator or orchestrator. */
    public static Set<String> implied(Set<String> roles) {
        if (roles.contains(VIEWER) || !(roles.contains(OPERATOR) || roles.contains(ORCHESTRATOR))) {
            return roles;
        }
        Set<String> withViewer = new HashSet<>(roles);
        withViewer.add(VIEWER);
        return Set.copyOf(withViewer);
    }
}
