package io.ballast.bench.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Who used the CPUs over a gateway bench's measured interval, in cores (CPU seconds per second), as {@link CpuMeter}
 * read them; a figure that could not be read is absent.
 *
 * @param cpus the processors this JVM may use
 * @param brokerCores the Kafka broker's JVM
 * @param gatewayCores the gateway's JVM
 * @param agentsCores this JVM: the simulated agents, the command publisher and the bench itself
 * @param machineBusyCores the whole machine, these three and everything else
 */
public record CpuUse(
        int cpus,
        OptionalDouble brokerCores,
        OptionalDouble gatewayCores,
        OptionalDouble agentsCores,
        OptionalDouble machineBusyCores) {

    /** What the rest of the machine used: busy time that none of the three JVMs took. */
    @JsonProperty
    public OptionalDouble othersCores() {
        if (machineBusyCores.isEmpty() || brokerCores.isEmpty() || gatewayCores.isEmpty() || agentsCores.isEmpty()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.max(
                0,
                machineBusyCores.getAsDouble()
                        - brokerCores.getAsDouble()
                        - gatewayCores.getAsDouble()
                        - agentsCores.getAsDouble()));
    }

    /** One line: each JVM's cores, then the machine's. */
    String describe() {
        return String.format(
                Locale.ROOT,
                "broker %s, gateway %s, agents and publisher (this JVM) %s of %d cores; machine busy %s (others %s)",
                cores(brokerCores),
                cores(gatewayCores),
                cores(agentsCores),
                cpus,
                cores(machineBusyCores),
                cores(othersCores()));
    }

    private static String cores(OptionalDouble cores) {
        return cores.isPresent() ? String.format(Locale.ROOT, "%.2f", cores.getAsDouble()) : "unknown";
    }
}
