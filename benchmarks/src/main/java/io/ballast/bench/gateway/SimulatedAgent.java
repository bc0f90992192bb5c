package io.ballast.bench.gateway;

import io.ballast.proto.agent.v1.AgentSessionServiceGrpc;
import io.ballast.proto.agent.v1.ConnectRequest;
import io.ballast.proto.agent.v1.ConnectResponse;
import io.ballast.proto.agent.v1.GuestDisk;
import io.ballast.proto.agent.v1.GuestFilesystem;
import io.ballast.proto.agent.v1.Heartbeat;
import io.ballast.proto.agent.v1.Hello;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.ballast.v1.ExtentList;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One agent session as the real agent holds it: hello with one disk and one filesystem, a heartbeat on the
 * gateway's interval, and an immediate {@code BallastApplied} for every command. It remembers when each generation
 * it was sent was published, so delivery latency is measured on one clock.
 */
final class SimulatedAgent implements StreamObserver<ConnectResponse> {

    static final long DISK_BYTES = 20L << 30;
    static final long PARTITION_START = 1L << 20;

    private final String vmId;
    private final String diskId;
    private final ManagedChannel channel;
    private final Deliveries deliveries;
    private final CompletableFuture<Void> welcomed = new CompletableFuture<>();
    private final AtomicLong generation = new AtomicLong();
    /** Generations published and not yet received, with the nanoTime they were published at. */
    private final NavigableMap<Long, Long> inFlight = new TreeMap<>();

    private StreamObserver<ConnectRequest> requests;
    private long heartbeatSequence;
    private volatile boolean ended;
    private volatile boolean closing;

    SimulatedAgent(String vmId, String diskId, ManagedChannel channel, Deliveries deliveries) {
        this.vmId = vmId;
        this.diskId = diskId;
        this.channel = channel;
        this.deliveries = deliveries;
    }

    String vmId() {
        return vmId;
    }

    String diskId() {
        return diskId;
    }

    /** Opens the session and says hello; the future completes with the gateway's welcome. */
    CompletableFuture<Void> connect(String agentVersion) {
        synchronized (this) {
            requests = AgentSessionServiceGrpc.newStub(channel).connect(this);
            requests.onNext(ConnectRequest.newBuilder()
                    .setHello(Hello.newBuilder()
                            .setAgentVersion(agentVersion)
                            .setVmId(vmId)
                            .addDisks(GuestDisk.newBuilder()
                                    .setDiskId(diskId)
                                    .setDevice("/dev/vda")
                                    .setSerial(diskId)
                                    .setSizeBytes(DISK_BYTES))
                            .addFilesystems(GuestFilesystem.newBuilder()
                                    .setMountPoint("/")
                                    .setDevice("/dev/vda1")
                                    .setDiskId(diskId)
                                    .setPartitionStartBytes(PARTITION_START)
                                    .setTotalBytes(DISK_BYTES - PARTITION_START)))
                    .build());
        }
        return welcomed;
    }

    /** The next command for this agent's disk, remembered as published now. */
    SetBallastSize nextCommand(long targetBytes) {
        long next = generation.incrementAndGet();
        synchronized (this) {
            inFlight.put(next, System.nanoTime());
        }
        return SetBallastSize.newBuilder()
                .setVmId(vmId)
                .setDiskId(diskId)
                .setMountPoint("/")
                .setGeneration(next)
                .setTargetBytes(targetBytes)
                .build();
    }

    synchronized void heartbeat() {
        if (!ended && welcomed.isDone()) {
            requests.onNext(ConnectRequest.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder().setSequence(++heartbeatSequence))
                    .build());
        }
    }

    /** Generations published in {@code [from, until)} (nanoTime) that this agent never received, nor anything newer. */
    synchronized int undelivered(long from, long until) {
        return (int) inFlight.values().stream()
                .filter(published -> published - from >= 0 && published - until < 0)
                .count();
    }

    boolean ended() {
        return ended;
    }

    @Override
    public void onNext(ConnectResponse response) {
        switch (response.getBodyCase()) {
            case WELCOME -> welcomed.complete(null);
            case SET_BALLAST_SIZE -> applied(response.getSetBallastSize());
            default -> {
                // heartbeat answers and discard requests need nothing here
            }
        }
    }

    private void applied(SetBallastSize command) {
        long received = System.nanoTime();
        synchronized (this) {
            Long published = inFlight.remove(command.getGeneration());
            if (published != null) {
                deliveries.delivered(published, received);
            } else {
                deliveries.receivedAgain();
            }
            // The gateway keeps only the newest command per disk: older ones still in flight are superseded.
            var older = inFlight.headMap(command.getGeneration(), false);
            for (long publishedAt : older.values()) {
                deliveries.superseded(publishedAt);
            }
            older.clear();
            if (ended) {
                return;
            }
            requests.onNext(ConnectRequest.newBuilder()
                    .setApplied(BallastApplied.newBuilder()
                            .setVmId(vmId)
                            .setDiskId(diskId)
                            .setMountPoint(command.getMountPoint())
                            .setGeneration(command.getGeneration())
                            .setActualBytes(command.getTargetBytes())
                            .setAllocatedBytes(command.getTargetBytes())
                            .setExtents(ExtentList.newBuilder()
                                    .addExtents(Extent.newBuilder()
                                            .setDiskOffsetBytes(PARTITION_START + (64L << 20))
                                            .setLengthBytes(command.getTargetBytes()))))
                    .build());
        }
    }

    @Override
    public void onError(Throwable failure) {
        ended(failure);
    }

    @Override
    public void onCompleted() {
        ended(null);
    }

    private void ended(Throwable failure) {
        ended = true;
        if (closing) {
            return;
        }
        if (!welcomed.isDone()) {
            welcomed.completeExceptionally(
                    failure != null ? failure : new IllegalStateException("the gateway ended the session"));
        } else {
            deliveries.sessionLost(vmId, failure);
        }
    }

    /** Ends the session and starts releasing its connection ({@link #awaitClosed} waits for it). */
    void close() {
        synchronized (this) {
            closing = true;
            if (!ended && requests != null) {
                ended = true;
                requests.onCompleted();
            }
        }
        channel.shutdownNow();
    }

    boolean awaitClosed(long timeout, TimeUnit unit) throws InterruptedException {
        return channel.awaitTermination(timeout, unit);
    }
}
