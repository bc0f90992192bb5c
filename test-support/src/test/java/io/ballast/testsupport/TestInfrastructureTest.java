package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;

class TestInfrastructureTest {

    @Test
    void theInProcessBrokerAndEmbeddedServerUnlessContainersAreChosen() {
        assertThat(TestInfrastructure.fromContainers(null)).isFalse();
        assertThat(TestInfrastructure.fromContainers("local")).isFalse();
        assertThat(TestInfrastructure.fromContainers(" testcontainers ")).isTrue();
    }

    @Test
    void anotherChoiceIsRefusedNamingTheTwo() {
        assertThatThrownBy(() -> TestInfrastructure.fromContainers("docker"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ballast.test.infrastructure must be local or testcontainers, not 'docker'");
    }

    /** The default build: neither Testcontainers nor the containers' code is on the class path. */
    @Test
    void withoutTheProfileContainersAreRefusedInOneLine() {
        assumeFalse(TestInfrastructure.fromContainers(), "the testcontainers profile is active");

        assertThatThrownBy(() -> Class.forName("org.testcontainers.DockerClientFactory"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(TestInfrastructure::containers)
                .isInstanceOf(TestInfrastructure.Unavailable.class)
                .hasMessageEndingWith("build it with -Ptestcontainers")
                .hasNoCause()
                .satisfies(failure -> assertThat(failure.getStackTrace()).isEmpty());
    }
}
