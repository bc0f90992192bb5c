package io.ballast.agent.grpc;

import io.ballast.agent.ballast.BallastKeeper;
import io.ballast.agent.ballast.BallastReport;
import io.ballast.agent.ballast.Ballasts;
import io.ballast.agent.ballast.Extent;
import io.ballast.agent.ballast.ExtentMap;
import io.ballast.agent.ballast.Outcome;
import io.ballast.agent.ballast.SetSize;
import io.ballast.agent.ballast.Telemetry;
import io.ballast.agent.config.AgentConfig;
import io.ballast.agent.device.DiskLocation;
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
import io.ballast.proto.ballast.v1.ExtentList;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One session with a gateway: hello, then commands applied in arrival order on one thread (filesystem work is
 * serial), acks for each, usage reports on the telemetry rule, heartbeats, and ballasts recreated when deleted.
 */
final class AgentSession {

    private static final System.Logger LOG = System.getLogger(AgentSession.class.getName());
    private static final Duration TICK = Duration.ofSeconds(5);

    private final AgentSessionServiceGrpc.AgentSessionServiceStub stub;
    private final String vmId;
    private final String version;
    private final AgentConfig config;
    private final Ballasts ballasts;
    private final BallastKeeper keeper;
    private final Telemetry telemetry;
    private final ScheduledExecutorService work = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("agent-session").daemon().factory());
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private final AtomicLong heartbeat = new AtomicLong();
    private final Map<String, Instant> lastReport = new HashMap<>();
    private final Map<String, Long> lastUtilized = new HashMap<>();
    private volatile boolean welcomed;
    private ClientCallStreamObserver<ConnectRequest> up;

    AgentSession(
            AgentSessionServiceGrpc.AgentSessionServiceStub stub,
            String vmId,
            String version,
            AgentConfig config,
            Ballasts ballasts,
            BallastKeeper keeper,
            Telemetry telemetry) {
        this.stub = stub;
        this.vmId = vmId;
        this.version = version;
        this.config = config;
        this.ballasts = ballasts;
        this.keeper = keeper;
        this.telemetry = telemetry;
    }

    boolean wasWelcomed() {
        return welcomed;
    }

    /** Opens the stream, says hello and serves until the stream ends or the daemon stops; returns how it ended. */
    Status runUntilEnded(CountDownLatch stopped) throws InterruptedException {
        stub.connect(new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
                up = requests;
            }

            @Override
            public void onNext(ConnectResponse response) {
                work.execute(() -> handle(response));
            }

            @Override
            public void onError(Throwable error) {
                ended.complete(Status.fromThrowable(error));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.UNAVAILABLE.withDescription("the gateway closed the session"));
            }
        });
        work.execute(this::hello);
        try {
            while (!ended.isDone() && stopped.getCount() > 0) {
                try {
                    return ended.get(500, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // keep waiting
                } catch (java.util.concurrent.ExecutionException e) {
                    return Status.fromThrowable(e.getCause());
                }
            }
            return ended.getNow(Status.CANCELLED.withDescription("the agent is stopping"));
        } finally {
            end();
        }
    }

    void end() {
        ClientCallStreamObserver<ConnectRequest> stream = up;
        if (stream != null && !ended.isDone()) {
            stream.cancel("the agent is stopping", null);
        }
        work.shutdownNow();
    }

    private void hello() {
        Hello.Builder hello = Hello.newBuilder().setAgentVersion(version).setVmId(vmId);
        Map<String, String> disks = new LinkedHashMap<>();
        for (BallastReport report : AgentDaemon.reports(ballasts, config.mounts())) {
            report.disk().ifPresent(disk -> disks.putIfAbsent(disk.diskId(), report.device()));
            hello.addFilesystems(GuestFilesystem.newBuilder()
                    .setMountPoint(report.filesystem().mountPoint())
                    .setDevice(report.device())
                    .setDiskId(diskIdOf(report))
                    .setPartitionStartBytes(report.disk()
                            .map(DiskLocation.Mapped::partitionStartBytes)
                            .orElse(0L))
                    .setTotalBytes(report.filesystem().totalBytes())
                    .setLastAppliedGeneration(lastGeneration(report.filesystem().mountPoint())));
        }
        disks.forEach((id, device) ->
                hello.addDisks(GuestDisk.newBuilder().setDiskId(id).setDevice(device)));
        send(ConnectRequest.newBuilder().setHello(hello).build());
    }

    private void handle(ConnectResponse response) {
        switch (response.getBodyCase()) {
            case WELCOME -> welcome(response.getWelcome().getHeartbeatIntervalSeconds());
            case SET_BALLAST_SIZE -> apply(response.getSetBallastSize());
            case DISCARD_BALLAST -> discard(response.getDiscardBallast());
            case HEARTBEAT, BODY_NOT_SET -> {}
        }
    }

    private void welcome(int heartbeatSeconds) {
        welcomed = true;
        LOG.log(System.Logger.Level.INFO, "connected to the gateway as VM {0}", vmId);
        long interval = Math.max(1, heartbeatSeconds);
        work.scheduleWithFixedDelay(
                () -> send(ConnectRequest.newBuilder()
                        .setHeartbeat(Heartbeat.newBuilder().setSequence(heartbeat.incrementAndGet()))
                        .build()),
                interval,
                interval,
                TimeUnit.SECONDS);
        long tick = Math.min(TICK.toMillis(), config.telemetryPeriod().toMillis());
        work.scheduleWithFixedDelay(this::tick, 0, tick, TimeUnit.MILLISECONDS);
    }

    private void apply(SetBallastSize command) {
        String mount = command.getMountPoint();
        if (!command.getVmId().equals(vmId)) {
            fail(command, BallastFailure.BALLAST_FAILURE_NOT_OWNED, "command for VM '" + command.getVmId() + "'", 0);
            return;
        }
        if (!config.mounts().contains(mount)) {
            fail(
                    command,
                    BallastFailure.BALLAST_FAILURE_UNKNOWN_FILESYSTEM,
                    mount + " is not one of " + config.mounts(),
                    0);
            return;
        }
        try {
            String diskId = diskIdOf(ballasts.show(Path.of(mount)));
            if (!diskId.isEmpty() && !diskId.equals(command.getDiskId())) {
                fail(
                        command,
                        BallastFailure.BALLAST_FAILURE_NOT_OWNED,
                        mount + " is on disk '" + diskId + "', not '" + command.getDiskId() + "'",
                        0);
                return;
            }
            Outcome outcome = keeper.apply(
                    new SetSize(vmId, command.getDiskId(), mount, command.getGeneration(), command.getTargetBytes()));
            answer(command.getDiskId(), mount, outcome);
        } catch (IOException | RuntimeException | io.ballast.agent.ballast.BallastException e) {
            fail(command, BallastFailure.BALLAST_FAILURE_IO_ERROR, e.getMessage(), 0);
        }
    }

    private void answer(String diskId, String mount, Outcome outcome) {
        switch (outcome) {
            case Outcome.Applied applied -> {
                BallastApplied.Builder ack = BallastApplied.newBuilder()
                        .setVmId(vmId)
                        .setDiskId(diskId)
                        .setMountPoint(mount)
                        .setGeneration(applied.generation())
                        .setActualBytes(applied.actualBytes())
                        .setAllocatedBytes(applied.allocatedBytes())
                        .setRecreated(applied.recreated());
                switch (applied.extents()) {
                    case ExtentMap.Mapped mapped -> {
                        ExtentList.Builder list = ExtentList.newBuilder();
                        for (Extent extent : mapped.extents()) {
                            list.addExtents(io.ballast.proto.ballast.v1.Extent.newBuilder()
                                    .setDiskOffsetBytes(extent.diskOffsetBytes())
                                    .setLengthBytes(extent.lengthBytes()));
                        }
                        ack.setExtents(list);
                    }
                    case ExtentMap.Unavailable unavailable -> ack.setExtentsUnavailable(unavailable.reason());
                }
                send(ConnectRequest.newBuilder().setApplied(ack).build());
            }
            case Outcome.Failed failed ->
                send(ConnectRequest.newBuilder()
                        .setFailed(BallastFailed.newBuilder()
                                .setVmId(vmId)
                                .setDiskId(diskId)
                                .setMountPoint(mount)
                                .setGeneration(failed.generation())
                                .setFailure(
                                        switch (failed.failure()) {
                                            case NO_SPACE -> BallastFailure.BALLAST_FAILURE_NO_SPACE;
                                            case UNKNOWN_FILESYSTEM ->
                                                BallastFailure.BALLAST_FAILURE_UNKNOWN_FILESYSTEM;
                                            case IO_ERROR -> BallastFailure.BALLAST_FAILURE_IO_ERROR;
                                        })
                                .setDetail(failed.detail())
                                .setActualBytes(failed.actualBytes())
                                .setFreeBytesSeen(failed.freeBytesSeen()))
                        .build());
            case Outcome.Stale stale ->
                LOG.log(
                        System.Logger.Level.INFO,
                        "ignored generation {0} of {1}: {2} was applied",
                        stale.generation(),
                        mount,
                        stale.newestGeneration());
        }
    }

    private void fail(SetBallastSize command, BallastFailure failure, String detail, long freeBytesSeen) {
        send(ConnectRequest.newBuilder()
                .setFailed(BallastFailed.newBuilder()
                        .setVmId(command.getVmId())
                        .setDiskId(command.getDiskId())
                        .setMountPoint(command.getMountPoint())
                        .setGeneration(command.getGeneration())
                        .setFailure(failure)
                        .setDetail(detail == null ? "" : detail)
                        .setFreeBytesSeen(freeBytesSeen))
                .build());
    }

    private void discard(DiscardBallast request) {
        if (!config.mounts().contains(request.getMountPoint())) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "ignored a discard of {0}: not a managed mount",
                    request.getMountPoint());
            return;
        }
        try {
            long bytes = ballasts.discard(Path.of(request.getMountPoint()), Path.of("/dev"));
            LOG.log(
                    System.Logger.Level.INFO,
                    "discarded {0} bytes of the ballast of {1}",
                    bytes,
                    request.getMountPoint());
        } catch (io.ballast.agent.ballast.BallastException e) {
            LOG.log(System.Logger.Level.WARNING, "discard of {0} failed: {1}", request.getMountPoint(), e.getMessage());
        }
    }

    /** Recreates deleted ballasts (and says so), then sends a usage report if the telemetry rule says it is due. */
    private void tick() {
        try {
            keeper.reconcile(config.mounts()).forEach((mount, outcome) -> answer(diskOf(mount), mount, outcome));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "checking the ballasts failed: {0}", e.getMessage());
        }
        Instant now = Instant.now();
        List<BallastReport> reports = AgentDaemon.reports(ballasts, config.mounts());
        boolean due = false;
        for (BallastReport report : reports) {
            String mount = report.filesystem().mountPoint();
            due |= telemetry.due(
                    lastReport.get(mount),
                    lastUtilized.getOrDefault(mount, 0L),
                    now,
                    report.filesystem().utilizedBytes(),
                    report.filesystem().totalBytes());
        }
        if (!due) {
            return;
        }
        UsageReported.Builder usage = UsageReported.newBuilder().setVmId(vmId).setAgentVersion(version);
        for (BallastReport report : reports) {
            var fs = report.filesystem();
            usage.addFilesystems(FilesystemUsage.newBuilder()
                    .setMountPoint(fs.mountPoint())
                    .setDiskId(diskIdOf(report))
                    .setTotalBytes(fs.totalBytes())
                    .setUtilizedBytes(fs.utilizedBytes())
                    .setFreeBytes(fs.freeBytes())
                    .setBallastBytes(report.sizeBytes()));
            lastReport.put(fs.mountPoint(), now);
            lastUtilized.put(fs.mountPoint(), fs.utilizedBytes());
        }
        send(ConnectRequest.newBuilder().setUsage(usage).build());
    }

    /** The report's disk id as the contract carries it: empty when the filesystem maps to no disk exactly. */
    private static String diskIdOf(BallastReport report) {
        return report.disk().map(DiskLocation.Mapped::diskId).orElse("");
    }

    private String diskOf(String mount) {
        try {
            return diskIdOf(ballasts.show(Path.of(mount)));
        } catch (io.ballast.agent.ballast.BallastException e) {
            return "";
        }
    }

    private long lastGeneration(String mount) {
        try {
            return keeper.lastGeneration(mount);
        } catch (IOException e) {
            return 0;
        }
    }

    private synchronized void send(ConnectRequest request) {
        ClientCallStreamObserver<ConnectRequest> stream = up;
        if (stream != null && !ended.isDone()) {
            stream.onNext(request);
        }
    }
}
