package io.ballast.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimulatedGuestTest {

    private static final long GIB = 1L << 30;

    @Test
    void aHotGuestGrowsUntilItsFilesystemIsFullAndNeverIntoItsBallast() {
        SimulatedGuest guest = new SimulatedGuest(SimulatedGuest.Behaviour.HOT, 20 * GIB, 0.25, 0.5, 7);
        assertThat(guest.size(1, 10 * GIB)).isInstanceOf(SimulatedGuest.Outcome.Applied.class);
        long before = guest.utilizedBytes();
        guest.tick();
        assertThat(guest.utilizedBytes()).isGreaterThan(before);
        for (int i = 0; i < 20; i++) {
            guest.tick();
            assertThat(guest.utilizedBytes() + guest.ballastBytes()).isLessThanOrEqualTo(guest.totalBytes());
        }
        assertThat(guest.freeBytes())
                .as("full: the guest warns, the host never fails")
                .isLessThan(guest.totalBytes() / 50);
    }

    @Test
    void aBallastTheDataLeavesNoRoomForIsRefusedWithTheFreeBytesAndOlderCommandsAreIgnored() {
        SimulatedGuest guest = new SimulatedGuest(SimulatedGuest.Behaviour.STEADY, 20 * GIB, 0.5, 0.5, 7);
        long total = guest.totalBytes();
        long used = guest.utilizedBytes();

        assertThat(guest.size(3, total - used + 1)).isEqualTo(new SimulatedGuest.Outcome.NoSpace(0, total - used));
        SimulatedGuest.Outcome applied = guest.size(4, 4 * GIB);
        assertThat(applied)
                .as("the ballast lies at the partition's end")
                .isEqualTo(
                        new SimulatedGuest.Outcome.Applied(4 * GIB, SimulatedGuest.PARTITION_START + total - 4 * GIB));
        assertThat(guest.size(4, 4 * GIB))
                .as("the same generation again: the same result")
                .isEqualTo(applied);
        assertThat(guest.size(2, 1 * GIB)).isEqualTo(new SimulatedGuest.Outcome.Stale(4));
        assertThat(guest.ballastBytes()).isEqualTo(4 * GIB);
        assertThat(guest.generation()).isEqualTo(4);
    }

    @Test
    void whatTheGuestWritesBeyondItsHighestDataIsTheImagesNewData() {
        SimulatedGuest guest = new SimulatedGuest(SimulatedGuest.Behaviour.HOT, 20 * GIB, 0.25, 0.25, 7);
        long written = guest.writtenBytes();
        long[] range = guest.tick();
        assertThat(range[0]).isEqualTo(written);
        assertThat(range[1]).isEqualTo(guest.utilizedBytes()).isGreaterThan(written);
    }

    @Test
    void theFleetsSummaryReadsAsItsPatternSays() {
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        FleetLog log =
                new FleetLog(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8), false);
        log.summary(900, 899, 100 * GIB, 200 * GIB, 50L << 20);

        var summary = io.ballast.local.fleet.FleetSummary.LINE.matcher(
                printed.toString(java.nio.charset.StandardCharsets.UTF_8).strip());
        assertThat(summary.matches())
                .as(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
                .isTrue();
        assertThat(summary.group(1)).isEqualTo("899");
        assertThat(summary.group(2)).isEqualTo("900");
        assertThat(summary.group(3)).isEqualTo("0");
    }
}
