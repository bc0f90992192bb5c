package io.ballast.gateway.session.grpc;

import io.ballast.gateway.session.Command;
import io.ballast.proto.agent.v1.ConnectRequest;
import io.ballast.proto.agent.v1.ConnectResponse;
import io.ballast.proto.agent.v1.GuestDisk;
import io.ballast.proto.agent.v1.Heartbeat;
import io.ballast.proto.agent.v1.Welcome;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.support.events.EventPublisher;
import io.grpc.Status;
import io.smallrye.mutiny.subscription.MultiEmitter;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * One agent's stream: the VM its certificate names, what it declared in its hello, and the way down to it. Every
 * message must be about that VM and its disks; one that claims another VM or another VM's disk ends the session
 * with PERMISSION_DENIED, is logged and counted.
 */
final class AgentSession {

    private static final Logger LOG = Logger.getLogger(AgentSession.class);

    private final String vmId;
    private final String sessionId = UUID.randomUUID().toString();
    private final MultiEmitter<? super ConnectResponse> downstream;
    private final AgentSessions sessions;
    private final EventPublisher publisher;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Set<String> declaredDisks;

    AgentSession(
            String vmId,
            MultiEmitter<? super ConnectResponse> downstream,
            AgentSessions sessions,
            EventPublisher publisher) {
        this.vmId = vmId;
        this.downstream = downstream;
        this.sessions = sessions;
        this.publisher = publisher;
    }

    String vmId() {
        return vmId;
    }

    void receive(ConnectRequest request) {
        if (ended.get()) {
            return;
        }
        if (declaredDisks == null) {
            hello(request);
            return;
        }
        switch (request.getBodyCase()) {
            case APPLIED -> {
                var applied = request.getApplied();
                if (owns(applied.getVmId(), applied.getDiskId(), "ack")) {
                    publisher.publish(Topic.BALLAST_ACKS, Topic.vmDiskKey(vmId, applied.getDiskId()), applied);
                    sessions.acknowledged(vmId, applied.getDiskId(), applied.getGeneration());
                }
            }
            case FAILED -> {
                var failed = request.getFailed();
                if (owns(failed.getVmId(), failed.getDiskId(), "ack")) {
                    publisher.publish(Topic.BALLAST_ACKS, Topic.vmDiskKey(vmId, failed.getDiskId()), failed);
                    sessions.acknowledged(vmId, failed.getDiskId(), failed.getGeneration());
                }
            }
            case USAGE -> {
                var usage = request.getUsage();
                boolean allOwned = owns(usage.getVmId(), null, "usage");
                for (FilesystemUsage filesystem : usage.getFilesystemsList()) {
                    allOwned = allOwned
                            && (filesystem.getDiskId().isEmpty() || owns(vmId, filesystem.getDiskId(), "usage"));
                }
                if (allOwned) {
                    publisher.publish(Topic.GUEST_TELEMETRY, vmId, usage);
                }
            }
            case HEARTBEAT ->
                downstream.emit(ConnectResponse.newBuilder()
                        .setHeartbeat(Heartbeat.newBuilder()
                                .setSequence(request.getHeartbeat().getSequence()))
                        .build());
            case HELLO -> end(Status.FAILED_PRECONDITION.withDescription("hello was already received"), "second-hello");
            case BODY_NOT_SET -> end(Status.INVALID_ARGUMENT.withDescription("message without body"), "empty");
        }
    }

    private void hello(ConnectRequest request) {
        if (!request.hasHello()) {
            end(Status.FAILED_PRECONDITION.withDescription("the first message must be a hello"), "no-hello");
            return;
        }
        var hello = request.getHello();
        if (!hello.getVmId().equals(vmId)) {
            sessions.refused("vm");
            end(
                    Status.PERMISSION_DENIED.withDescription(
                            "hello names VM '" + hello.getVmId() + "' but the certificate is VM '" + vmId + "'"),
                    "vm");
            return;
        }
        Set<String> disks =
                hello.getDisksList().stream().map(GuestDisk::getDiskId).collect(Collectors.toUnmodifiableSet());
        for (String disk : disks) {
            if (!sessions.ownership().mayReport(vmId, disk, disks)) {
                sessions.refused("disk");
                end(
                        Status.PERMISSION_DENIED.withDescription("disk '" + disk + "' belongs to VM '"
                                + sessions.ownership().ownerOf(disk).orElse("?") + "'"),
                        "disk");
                return;
            }
        }
        declaredDisks = disks;
        downstream.emit(ConnectResponse.newBuilder()
                .setWelcome(Welcome.newBuilder().setSessionId(sessionId).setHeartbeatIntervalSeconds((int)
                        sessions.heartbeatInterval().toSeconds()))
                .build());
        LOG.infof(
                "agent connected vm=%s session=%s version=%s disks=%s",
                vmId, sessionId, hello.getAgentVersion(), disks);
        sessions.opened(this);
    }

    /** Whether a message about {@code messageVmId} (and {@code diskId}, if any) may come from this session. */
    private boolean owns(String messageVmId, String diskId, String what) {
        if (!messageVmId.equals(vmId)) {
            sessions.refused("vm");
            end(
                    Status.PERMISSION_DENIED.withDescription(
                            what + " for VM '" + messageVmId + "' from the agent of VM '" + vmId + "'"),
                    "vm");
            return false;
        }
        if (diskId != null && !sessions.ownership().mayReport(vmId, diskId, declaredDisks)) {
            sessions.refused("disk");
            end(
                    Status.PERMISSION_DENIED.withDescription(
                            what + " for disk '" + diskId + "', which is not VM '" + vmId + "''s"),
                    "disk");
            return false;
        }
        return true;
    }

    void send(Command command) {
        if (ended.get()) {
            return;
        }
        downstream.emit(ConnectResponse.newBuilder()
                .setSetBallastSize(SetBallastSize.newBuilder()
                        .setVmId(command.vmId())
                        .setDiskId(command.diskId())
                        .setMountPoint(command.mountPoint())
                        .setGeneration(command.generation())
                        .setTargetBytes(command.targetBytes()))
                .build());
    }

    /** Another session of the same VM took over (the agent reconnected). */
    void replaced() {
        end(Status.ABORTED.withDescription("a newer session of VM '" + vmId + "' replaced this one"), "replaced");
    }

    void closed() {
        if (ended.compareAndSet(false, true)) {
            sessions.closed(this);
            LOG.infof("agent disconnected vm=%s session=%s", vmId, sessionId);
        }
    }

    private void end(Status status, String reason) {
        if (ended.compareAndSet(false, true)) {
            sessions.closed(this);
            LOG.warnf(
                    "ended agent session vm=%s session=%s reason=%s: %s",
                    vmId, sessionId, reason, status.getDescription());
            downstream.fail(status.asRuntimeException());
        }
    }
}
