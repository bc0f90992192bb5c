package io.ballast.support.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostIdsTest {

    @Test
    void aUriThatNamesAHostIsNamedByIt() {
        assertThat(HostIds.of("qemu+ssh://root@Host-1/system", "hv1")).isEqualTo("host-1");
    }

    @Test
    void aUriThatNamesNoHostIsNamedByTheHypervisorsHostAndAHashOfTheUri() {
        String a = HostIds.of("test:///fleets/a.xml", "vm");
        String b = HostIds.of("test:///fleets/b.xml", "vm");

        assertThat(a).startsWith("vm-").hasSize("vm-".length() + 8);
        assertThat(b).isNotEqualTo(a);
        assertThat(HostIds.of("test:///fleets/a.xml", "vm"))
                .as("the same URI, the same id")
                .isEqualTo(a);
        assertThat(HostIds.of("qemu:///system", "")).startsWith("host-");
    }
}
