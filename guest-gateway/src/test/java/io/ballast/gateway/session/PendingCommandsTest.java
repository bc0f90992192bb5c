package io.ballast.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PendingCommandsTest {

    private static final Instant T0 = Instant.parse("2026-11-23T12:00:00Z");
    private static final Duration RETRY = Duration.ofSeconds(10);

    private final PendingCommands pending = new PendingCommands();

    private static Command command(String vm, String disk, long generation) {
        return new Command(vm, disk, "/", generation, generation << 20, T0);
    }

    @Test
    void aNewerGenerationReplacesAnOlderOneAndAnOlderOneIsStale() {
        assertThat(pending.offer(command("vm-1", "d1", 2))).isTrue();
        assertThat(pending.offer(command("vm-1", "d1", 1))).isFalse();
        assertThat(pending.offer(command("vm-1", "d1", 2)))
                .as("the same generation again")
                .isFalse();
        assertThat(pending.offer(command("vm-1", "d1", 3))).isTrue();

        assertThat(pending.due("vm-1", T0, RETRY))
                .containsExactly(new PendingCommands.Due(command("vm-1", "d1", 3), 1));
        assertThat(pending.size()).isEqualTo(1);
    }

    @Test
    void aCommandIsSentOnceThenAgainAfterTheRetryIntervalWithTheSameGeneration() {
        pending.offer(command("vm-1", "d1", 5));

        assertThat(pending.due("vm-1", T0, RETRY)).hasSize(1);
        assertThat(pending.due("vm-1", T0.plusSeconds(9), RETRY)).isEmpty();
        assertThat(pending.due("vm-1", T0.plusSeconds(10), RETRY))
                .containsExactly(new PendingCommands.Due(command("vm-1", "d1", 5), 2));
    }

    @Test
    void anAcknowledgementEndsTheCommandAndAnOlderOneNeverComesBack() {
        pending.offer(command("vm-1", "d1", 4));
        pending.acknowledged("vm-1", "d1", 4);

        assertThat(pending.size()).isZero();
        assertThat(pending.offer(command("vm-1", "d1", 3))).isFalse();
        assertThat(pending.due("vm-1", T0, RETRY)).isEmpty();
    }

    @Test
    void anAcknowledgementOfAnOlderGenerationKeepsTheNewerCommand() {
        pending.offer(command("vm-1", "d1", 4));
        pending.acknowledged("vm-1", "d1", 3);

        assertThat(pending.due("vm-1", T0, RETRY))
                .extracting(PendingCommands.Due::command)
                .containsExactly(command("vm-1", "d1", 4));
    }

    @Test
    void onlyTheVmsOwnCommandsAreDueForItAndAnEndedSessionMakesThemDueAgain() {
        pending.offer(command("vm-1", "d1", 1));
        pending.offer(command("vm-1", "d2", 1));
        pending.offer(command("vm-2", "d3", 1));

        assertThat(pending.due("vm-1", T0, RETRY))
                .extracting(d -> d.command().diskId())
                .containsExactly("d1", "d2");
        pending.unsent("vm-1");
        assertThat(pending.due("vm-1", T0.plusSeconds(1), RETRY)).hasSize(2);
        assertThat(pending.due("vm-2", T0, RETRY))
                .extracting(d -> d.command().diskId())
                .containsExactly("d3");
    }

    @Test
    void onlyVmsWithUnacknowledgedCommandsAreVisitedForRetries() {
        pending.offer(command("vm-1", "d1", 1));
        pending.offer(command("vm-1", "d2", 1));
        pending.offer(command("vm-2", "d3", 1));
        pending.offer(command("vm-1", "d1", 2));

        assertThat(pending.size()).isEqualTo(3);
        assertThat(pending.vmsWithPending()).containsExactlyInAnyOrder("vm-1", "vm-2");
        pending.acknowledged("vm-1", "d1", 2);
        pending.acknowledged("vm-1", "d2", 1);
        pending.acknowledged("vm-9", "d9", 5);

        assertThat(pending.size()).isEqualTo(1);
        assertThat(pending.vmsWithPending()).containsExactly("vm-2");
        assertThat(pending.due("vm-1", T0, RETRY)).isEmpty();
    }

    @Test
    void aDiskIsReportedOnlyByItsOwnerOrAnUnknownDiskByTheVmThatDeclaredIt() {
        DiskOwnership ownership = new DiskOwnership();
        ownership.assign("d1", "vm-1", "SER-1");

        assertThat(ownership.mayReport("vm-1", "d1", Set.of())).isTrue();
        assertThat(ownership.mayReport("vm-2", "d1", Set.of("d1"))).isFalse();
        assertThat(ownership.mayReport("vm-2", "d9", Set.of("d9"))).isTrue();
        assertThat(ownership.mayReport("vm-2", "d9", Set.of())).isFalse();
    }

    @Test
    void aDiskNamedByItsSerialOrByIdNameIsItsOwnersAloneWhateverTheHelloDeclared() {
        DiskOwnership ownership = new DiskOwnership();
        ownership.assign("d1", "vm-1", "SER-1");

        assertThat(ownership.mayReport("vm-1", "virtio-SER-1", Set.of("virtio-SER-1")))
                .isTrue();
        assertThat(ownership.mayReport("vm-2", "SER-1", Set.of("SER-1"))).isFalse();
        assertThat(ownership.mayReport("vm-2", "virtio-SER-1", Set.of("virtio-SER-1")))
                .isFalse();
        assertThat(ownership.mayReport(
                        "vm-2", "scsi-0QEMU_QEMU_HARDDISK_SER-1", Set.of("scsi-0QEMU_QEMU_HARDDISK_SER-1")))
                .isFalse();
        assertThat(ownership.mayReport("vm-2", "virtio-XSER-1", Set.of("virtio-XSER-1")))
                .as("a serial that merely ends the same is another disk")
                .isTrue();

        ownership.assign("d1", "vm-3", "SER-3");
        assertThat(ownership.mayReport("vm-2", "SER-1", Set.of("SER-1")))
                .as("the old serial is nobody's once the disk has a new one")
                .isTrue();
        assertThat(ownership.mayReport("vm-1", "SER-3", Set.of("SER-3"))).isFalse();
        ownership.remove("d1");
        assertThat(ownership.mayReport("vm-1", "SER-3", Set.of("SER-3"))).isTrue();
    }
}
