package io.ballast.reservation.budget;

import org.junit.jupiter.api.Test;

/**
 * Seeded runs of {@link Simulation}: 10,000 by default ({@code -Dballast.simulation.runs=N} for more), or exactly one
 * with {@code -Dballast.simulation.seed=S}, which replays a failing run step for step.
 */
class SimulationTest {

    private static final int STEPS = 150;

    @Test
    void theInvariantHoldsAndEveryGrantedByteIsReclaimedFirstUnderLossDuplicationDelayOutagesAndRestarts() {
        String replay = System.getProperty("ballast.simulation.seed");
        if (replay != null) {
            new Simulation(Long.parseLong(replay)).run(STEPS);
            return;
        }
        int runs = Integer.getInteger("ballast.simulation.runs", 10_000);
        java.util.Map<String, Integer> tally = new java.util.TreeMap<>();
        for (long seed = 1; seed <= runs; seed++) {
            Simulation simulation = new Simulation(seed);
            simulation.run(STEPS);
            simulation.tally().forEach((what, count) -> tally.merge(what, count, Integer::sum));
        }
        System.out.println(runs + " simulated runs of " + STEPS + " steps: " + tally);
        // runs that never reached the interesting cases would prove little
        org.assertj.core.api.Assertions.assertThat(tally)
                .containsKeys(
                        "growth granted",
                        "growth pending",
                        "growth refused",
                        "growth ended granted",
                        "migration committed",
                        "reclaim found tampering",
                        "restart",
                        "command resent",
                        "message lost",
                        "message duplicated");
    }
}
