package io.ballast.support.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RolesTest {

    @Test
    void operatorsAndOrchestratorsAreViewersToo() {
        assertThat(Roles.implied(Set.of(Roles.OPERATOR))).containsExactlyInAnyOrder(Roles.OPERATOR, Roles.VIEWER);
        assertThat(Roles.implied(Set.of(Roles.ORCHESTRATOR)))
                .containsExactlyInAnyOrder(Roles.ORCHESTRATOR, Roles.VIEWER);
    }

    @Test
    void aViewerGainsNothingAndUnknownRolesImplyNothing() {
        assertThat(Roles.implied(Set.of(Roles.VIEWER))).containsExactly(Roles.VIEWER);
        assertThat(Roles.implied(Set.of("admin"))).containsExactly("admin");
        assertThat(Roles.implied(Set.of())).isEmpty();
    }
}
