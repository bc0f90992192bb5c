package io.ballast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.local.launch.Commands;
import org.junit.jupiter.api.Test;

class ProcessCpuTest {

    @Test
    void aProgramRunToItsEndCountsAsAWaitedChildOfThisJvm() {
        long before = ProcessCpu.waitedChildrenNanos();

        // about a third of a CPU-second of shell arithmetic, in a child that Commands waits for
        Commands.run("sh", "-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done");

        long spent = ProcessCpu.waitedChildrenNanos() - before;
        assertThat(spent).as("the child's CPU time, in clock ticks of 10 ms").isGreaterThanOrEqualTo(100_000_000L);
    }

    @Test
    void aProcessCountsWithItsDescendantsAtLeastWhatThisJvmAloneSpent() {
        long alone = ProcessCpu.thisJvmNanos();
        long withDescendants = ProcessCpu.nanos(ProcessHandle.current().pid());

        assertThat(alone).isPositive();
        assertThat(withDescendants).as("read after, with the descendants").isGreaterThanOrEqualTo(alone);
    }
}
