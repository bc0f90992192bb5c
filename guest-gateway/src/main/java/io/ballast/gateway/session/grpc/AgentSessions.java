package io.ballast.gateway.session.grpc;

import io.ballast.gateway.config.GatewayConfig;
import io.ballast.gateway.session.Command;
import io.ballast.gateway.session.DiskOwnership;
import io.ballast.gateway.session.PendingCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The agent sessions connected to this gateway, one per VM, and the delivery of pending commands to them: at once
 * when a command arrives or a session opens, and again after the retry interval while unacknowledged. Every gateway
 * instance sees every command and every acknowledgement, so an agent gets its commands whichever gateway it is
 * connected to.
 */
@ApplicationScoped
public class AgentSessions {

    private static final Logger LOG = Logger.getLogger(AgentSessions.class);

    private final Map<String, AgentSession> byVm = new ConcurrentHashMap<>();
    private final PendingCommands pending = new PendingCommands();
    private final DiskOwnership ownership = new DiskOwnership();
    private final GatewayConfig config;
    private final Timer deliveryLatency;
    private final Counter deliveries;
    private final MeterRegistry registry;
    private ScheduledExecutorService ticker;

    AgentSessions(GatewayConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.deliveryLatency = Timer.builder("ballast.gateway.command.delivery")
                .description("From a command's issue to its first delivery to the agent")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.deliveries = Counter.builder("ballast.gateway.commands.sent")
                .description("Commands sent to agents, retries included")
                .register(registry);
        Gauge.builder("ballast.gateway.agents.connected", byVm, Map::size)
                .description("Agent sessions connected to this gateway")
                .register(registry);
        Gauge.builder("ballast.gateway.commands.pending", pending, PendingCommands::size)
                .description("Commands not yet acknowledged by their agent")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("gateway-delivery").daemon().factory());
        long tick = config.deliveryTick().toMillis();
        ticker.scheduleWithFixedDelay(this::deliverAll, tick, tick, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (ticker != null) {
            ticker.shutdownNow();
        }
    }

    /** A command from the reservation service; delivered now if its VM is connected here. */
    public void offer(Command command) {
        if (pending.offer(command)) {
            deliver(command.vmId());
        } else {
            LOG.debugf(
                    "stale command vm=%s disk=%s generation=%d",
                    command.vmId(), command.diskId(), command.generation());
        }
    }

    /** An agent (connected here or to another gateway) acknowledged a generation. */
    public void acknowledged(String vmId, String diskId, long generation) {
        pending.acknowledged(vmId, diskId, generation);
    }

    public DiskOwnership ownership() {
        return ownership;
    }

    void opened(AgentSession session) {
        AgentSession previous = byVm.put(session.vmId(), session);
        if (previous != null && previous != session) {
            previous.replaced();
        }
        deliver(session.vmId());
    }

    void closed(AgentSession session) {
        if (byVm.remove(session.vmId(), session)) {
            pending.unsent(session.vmId());
        }
    }

    void refused(String reason) {
        Counter.builder("ballast.gateway.identity.refused")
                .description("Agent sessions or messages refused because they claimed another VM or its disks")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    Duration heartbeatInterval() {
        return config.heartbeatInterval();
    }

    /** Retries what is due for the connected VMs that have pending commands (not every connected VM). */
    private void deliverAll() {
        try {
            for (String vmId : pending.vmsWithPending()) {
                deliver(vmId);
            }
        } catch (RuntimeException e) {
            LOG.error("delivering pending commands failed", e);
        }
    }

    private void deliver(String vmId) {
        AgentSession session = byVm.get(vmId);
        if (session == null) {
            return;
        }
        Instant now = Instant.now();
        for (PendingCommands.Due due : pending.due(vmId, now, config.retryAfter())) {
            session.send(due.command());
            deliveries.increment();
            if (due.attempt() == 1) {
                deliveryLatency.record(
                        Duration.between(due.command().issuedAt(), now).abs());
            } else {
                LOG.infof(
                        "resent vm=%s disk=%s generation=%d attempt=%d",
                        vmId, due.command().diskId(), due.command().generation(), due.attempt());
            }
        }
    }
}
