package io.ballast.inventory.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReservationCallTest {

    @Test
    void theReadsThePagesShowAndTheirTwoActionsAreRelayed() {
        assertThat(ReservationCall.of("GET", "datastores")).isPresent();
        assertThat(ReservationCall.of("GET", "datastores/5c00-a")).isPresent();
        assertThat(ReservationCall.of("GET", "datastores/5c00-a/disks")).isPresent();
        assertThat(ReservationCall.of("GET", "disks/5d00-1-vda")).isPresent();
        assertThat(ReservationCall.of("GET", "growth/console-1765010000000")).isPresent();
        assertThat(ReservationCall.of("GET", "ledger")).isPresent();
        assertThat(ReservationCall.of("POST", "disks/5d00-1-vda/growth"))
                .hasValueSatisfying(call -> assertThat(call.hasBody()).isTrue());
        assertThat(ReservationCall.of("PUT", "disks/5d00-1-vda/ballast")).isPresent();
    }

    @Test
    void whatThePagesDoNotUseIsNotRelayed() {
        assertThat(ReservationCall.of("POST", "placements")).isEmpty();
        assertThat(ReservationCall.of("POST", "migrations")).isEmpty();
        assertThat(ReservationCall.of("PUT", "datastores/ds-1/policy")).isEmpty();
        assertThat(ReservationCall.of("DELETE", "disks/d-1/ballast")).isEmpty();
        assertThat(ReservationCall.of("GET", "disks/d-1/growth")).isEmpty();
        assertThat(ReservationCall.of("PUT", "disks/d-1/growth")).isEmpty();
    }

    @Test
    void noPathLeavesApiV1() {
        assertThat(ReservationCall.of("GET", "disks/..")).isEmpty();
        assertThat(ReservationCall.of("GET", "disks/../../q/metrics")).isEmpty();
        assertThat(ReservationCall.of("GET", "datastores/%2E%2E")).isEmpty();
        assertThat(ReservationCall.of("GET", "datastores//disks")).isEmpty();
        assertThat(ReservationCall.of("GET", "/datastores")).isEmpty();
        assertThat(ReservationCall.of("GET", "datastores/.hidden")).isEmpty();
    }
}
