package io.ballast.fleet;

import io.ballast.agent.grpc.AgentDaemon;
import io.ballast.local.fleet.FleetLayout;
import io.ballast.proto.agent.v1.AgentSessionServiceGrpc;
import io.ballast.proto.agent.v1.ConnectRequest;
import io.ballast.proto.agent.v1.ConnectResponse;
import io.ballast.proto.agent.v1.DiscardBallast;
import io.ballast.proto.agent.v1.GuestDisk;
import io.ballast.proto.agent.v1.GuestFilesystem;
import io.ballast.proto.agent.v1.Heartbeat;
import io.ballast.proto.agent.v1.Hello;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.BallastFailure;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.ballast.v1.ExtentList;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agent of one simulated VM, as the real agent holds its session: hello with its disk and root filesystem (and
 * the newest generation it applied), a heartbeat on the gateway's interval, its guest's usage at every tick, and an
 * answer to every command (applied with the ballast's extent, or failed for want of space). A session that ends is
 * opened again after the real agent's backoff.
 */
final class SimulatedAgent implements StreamObserver<ConnectResponse> {

    static final String VERSION = "ballast simulated agent";
    static final String MOUNT = "/";

    private final FleetLayout.Vm vm;
    private final SimulatedGuest guest;
    private final ManagedChannel channel;
    private final ScheduledExecutorService scheduler;
    private final FleetLog log;

    private StreamObserver<ConnectRequest> requests;
    private boolean full;
    private boolean welcomed;
    private boolean closed;
    private int failures;
    private long heartbeatIntervalNanos = Long.MAX_VALUE;
    private long lastHeartbeat;
    private long heartbeats;

    SimulatedAgent(
            FleetLayout.Vm vm,
            SimulatedGuest guest,
            ManagedChannel channel,
            ScheduledExecutorService scheduler,
            FleetLog log) {
        this.vm = vm;
        this.guest = guest;
        this.channel = channel;
        this.scheduler = scheduler;
        this.log = log;
    }

    FleetLayout.Vm vm() {
        return vm;
    }

    synchronized boolean connected() {
        return welcomed;
    }

    synchronized long utilizedBytes() {
        return guest.utilizedBytes();
    }

    synchronized long ballastBytes() {
        return guest.ballastBytes();
    }

    /** Opens a session and says hello. */
    synchronized void connect() {
        if (closed) {
            return;
        }
        welcomed = false;
        requests = AgentSessionServiceGrpc.newStub(channel).connect(this);
        requests.onNext(ConnectRequest.newBuilder()
                .setHello(Hello.newBuilder()
                        .setAgentVersion(VERSION)
                        .setVmId(vm.id())
                        .addDisks(GuestDisk.newBuilder()
                                .setDiskId(vm.guestDiskName())
                                .setDevice("/dev/vda")
                                .setSerial(vm.serial())
                                .setSizeBytes(vm.designatedBytes()))
                        .addFilesystems(GuestFilesystem.newBuilder()
                                .setMountPoint(MOUNT)
                                .setDevice("/dev/vda1")
                                .setDiskId(vm.guestDiskName())
                                .setPartitionStartBytes(SimulatedGuest.PARTITION_START)
                                .setTotalBytes(guest.totalBytes())
                                .setLastAppliedGeneration(guest.generation())))
                .build());
    }

    /** One tick: the guest's usage moves (its new data written into the image), then the agent reports it. */
    void tick() {
        long[] written;
        synchronized (this) {
            written = guest.tick();
            boolean nowFull = guest.isFull();
            if (nowFull && !full) {
                log.full(vm, guest.utilizedBytes(), guest.totalBytes() - guest.ballastBytes());
            }
            full = nowFull;
        }
        try {
            GuestImage.write(vm.image(), written[0], written[1]);
        } catch (IOException e) {
            log.warn(
                    "vm=" + vm.name() + " could not write its guest's data into " + vm.image() + ": " + e.getMessage());
        }
        synchronized (this) {
            if (!welcomed) {
                return;
            }
            send(ConnectRequest.newBuilder()
                    .setUsage(UsageReported.newBuilder()
                            .setVmId(vm.id())
                            .setAgentVersion(VERSION)
                            .addFilesystems(FilesystemUsage.newBuilder()
                                    .setMountPoint(MOUNT)
                                    .setDiskId(vm.guestDiskName())
                                    .setTotalBytes(guest.totalBytes())
                                    .setUtilizedBytes(guest.utilizedBytes())
                                    .setFreeBytes(guest.freeBytes())
                                    .setBallastBytes(guest.ballastBytes())))
                    .build());
        }
    }

    /** Sends a heartbeat when its interval has passed since the last; called more often than the interval. */
    synchronized void heartbeat() {
        long now = System.nanoTime();
        if (welcomed && now - lastHeartbeat >= heartbeatIntervalNanos) {
            lastHeartbeat = now;
            send(ConnectRequest.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setSequence(++heartbeats))
                    .build());
        }
    }

    @Override
    public void onNext(ConnectResponse response) {
        switch (response.getBodyCase()) {
            case WELCOME -> welcome(response.getWelcome().getHeartbeatIntervalSeconds());
            case SET_BALLAST_SIZE -> size(response.getSetBallastSize());
            case DISCARD_BALLAST -> discard(response.getDiscardBallast());
            case HEARTBEAT, BODY_NOT_SET -> {}
        }
    }

    private synchronized void welcome(int heartbeatSeconds) {
        welcomed = true;
        failures = 0;
        heartbeatIntervalNanos = TimeUnit.SECONDS.toNanos(Math.max(1, heartbeatSeconds));
        lastHeartbeat = System.nanoTime();
        log.connected(vm);
    }

    private synchronized void size(SetBallastSize command) {
        if (!command.getVmId().equals(vm.id()) || !command.getMountPoint().equals(MOUNT)) {
            send(ConnectRequest.newBuilder()
                    .setFailed(BallastFailed.newBuilder()
                            .setVmId(command.getVmId())
                            .setDiskId(command.getDiskId())
                            .setMountPoint(command.getMountPoint())
                            .setGeneration(command.getGeneration())
                            .setFailure(
                                    command.getVmId().equals(vm.id())
                                            ? BallastFailure.BALLAST_FAILURE_UNKNOWN_FILESYSTEM
                                            : BallastFailure.BALLAST_FAILURE_NOT_OWNED)
                            .setDetail("this guest keeps a ballast on " + MOUNT + " of VM " + vm.id() + " only"))
                    .build());
            return;
        }
        long before = guest.ballastBytes();
        switch (guest.size(command.getGeneration(), command.getTargetBytes())) {
            case SimulatedGuest.Outcome.Applied applied -> {
                log.applied(vm, command.getGeneration(), before, applied.bytes());
                BallastApplied.Builder ack = BallastApplied.newBuilder()
                        .setVmId(vm.id())
                        .setDiskId(command.getDiskId())
                        .setMountPoint(MOUNT)
                        .setGeneration(command.getGeneration())
                        .setActualBytes(applied.bytes())
                        .setAllocatedBytes(applied.bytes());
                ExtentList.Builder extents = ExtentList.newBuilder();
                if (applied.bytes() > 0) {
                    extents.addExtents(Extent.newBuilder()
                            .setDiskOffsetBytes(applied.diskOffset())
                            .setLengthBytes(applied.bytes()));
                }
                send(ConnectRequest.newBuilder()
                        .setApplied(ack.setExtents(extents))
                        .build());
            }
            case SimulatedGuest.Outcome.NoSpace noSpace -> {
                log.noSpace(vm, command.getGeneration(), command.getTargetBytes(), noSpace.freeBytes());
                send(ConnectRequest.newBuilder()
                        .setFailed(BallastFailed.newBuilder()
                                .setVmId(vm.id())
                                .setDiskId(command.getDiskId())
                                .setMountPoint(MOUNT)
                                .setGeneration(command.getGeneration())
                                .setFailure(BallastFailure.BALLAST_FAILURE_NO_SPACE)
                                .setDetail("the guest's data leaves " + noSpace.freeBytes() + " bytes beside the"
                                        + " ballast, not " + command.getTargetBytes())
                                .setActualBytes(noSpace.actualBytes())
                                .setFreeBytesSeen(noSpace.freeBytes()))
                        .build());
            }
            case SimulatedGuest.Outcome.Stale stale -> {
                // an older command than the newest applied: the real agent ignores it too
            }
        }
    }

    private synchronized void discard(DiscardBallast request) {
        if (!request.getMountPoint().equals(MOUNT)) {
            return;
        }
        try {
            GuestImage.discard(vm.image(), guest.ballastOffset(), guest.ballastBytes());
        } catch (io.ballast.linux.SyscallException e) {
            log.warn("vm=" + vm.name() + " could not discard its ballast: " + e.getMessage());
        }
    }

    private void send(ConnectRequest request) {
        if (requests != null) {
            requests.onNext(request);
        }
    }

    @Override
    public void onError(Throwable failure) {
        ended(failure.getMessage());
    }

    @Override
    public void onCompleted() {
        ended("the gateway ended the session");
    }

    private synchronized void ended(String why) {
        boolean wasWelcomed = welcomed;
        welcomed = false;
        requests = null;
        if (closed) {
            return;
        }
        failures = wasWelcomed ? 0 : failures + 1;
        long wait = AgentDaemon.backoff(failures).toMillis();
        log.disconnected(vm, why, wait);
        scheduler.schedule(this::connect, wait, TimeUnit.MILLISECONDS);
    }

    /** Ends the session and releases the connection. */
    void close() {
        synchronized (this) {
            closed = true;
            if (requests != null) {
                requests.onCompleted();
                requests = null;
            }
        }
        channel.shutdownNow();
    }
}
