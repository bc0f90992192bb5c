package io.ballast.inventory.job.rest;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.inventory.SimulatedWorker;
import io.ballast.inventory.lease.store.LeaseStore;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.AcquireVmLeaseRequest;
import io.ballast.proto.inventory.v1.InventoryServiceGrpc;
import io.ballast.proto.inventory.v1.ReleaseVmLeaseRequest;
import io.ballast.proto.inventory.v1.VmLease;
import io.ballast.proto.worker.v1.Alignment;
import io.ballast.proto.worker.v1.DiskLayout;
import io.ballast.proto.worker.v1.ImageResult;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.JobStep;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.proto.worker.v1.ScanJob;
import io.ballast.support.inventory.JobLeaseHolder;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.GrpcTestChannel;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TestFleets;
import io.ballast.testsupport.TokenResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Resize jobs over REST, sent to the worker on the real broker and followed through its progress. The worker is
 * driven here through exactly the messages it sends; the contract tests run the real one.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class JobsOverRestTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long MIB = 1L << 20;

    @InjectKafkaBroker
    Broker broker;

    @Inject
    LeaseStore leases;

    /** A host with one running VM on a raw 10 GiB image, and one on a qcow2 image; answers the host's id. */
    static String host(String name, String vm, String qcowVm) {
        String pool = String.format("1a000000-0000-0000-0000-%012x", name.hashCode() & 0xffffffffL);
        String uri = new HostFile()
                .pool(
                        "pool-" + name,
                        pool,
                        "/ds/" + name,
                        volume(name + ".img", 10, 4, "raw"),
                        volume(name + ".qcow2", 10, 1, "qcow2"))
                .domain(name, vm, true, disk("vda", "/ds/" + name + "/" + name + ".img", "raw", name + "-1"))
                .domain(
                        name + "-q",
                        qcowVm,
                        false,
                        disk("vda", "/ds/" + name + "/" + name + ".qcow2", "qcow2", name + "-2"))
                .writeTo(TestFleets.file(name));
        return Api.addHost(uri);
    }

    /** A 10 GiB ext4 partition using 2 GiB (minimum 2.5 GiB) after 1 MiB, and a 512 MiB swap after it. */
    static DiskLayout layout() {
        return SimulatedWorker.layout(
                "MBR",
                11 * GIB,
                0,
                SimulatedWorker.ext4(1, MIB, 10 * GIB, 2 * GIB, 2 * GIB + GIB / 2, MIB),
                SimulatedWorker.swap(2, MIB + 10 * GIB, 512 * MIB, MIB));
    }

    private static Map<String, Object> byProfile(String vm) {
        Map<String, Object> request = new HashMap<>();
        request.put("vmId", vm);
        request.put("byProfile", true);
        return request;
    }

    @Test
    void aResizeScansFirstThenRunsByProfileAndItsHistoryAndSavingsComeBack() {
        String vm = "1b000000-0000-0000-0000-000000000001";
        String hostId = host("resize", vm, "1b000000-0000-0000-0000-000000000002");
        Map<String, Object> keepFourOfSixFree = Map.of("minFreeRatio", 0.5, "desiredFreeRatio", 2.0 / 3);
        Api.put("/api/v1/profiles/keep-free", Roles.OPERATOR, keepFourOfSixFree)
                .then()
                .statusCode(201);
        Api.put("/api/v1/vms/" + vm + "/profile", Roles.OPERATOR, Map.of("profile", "keep-free"))
                .then()
                .statusCode(200);

        try (EventTap jobs = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_JOBS);
                EventProducer worker = EventProducer.connect(broker.bootstrapServers(), "resize-worker")) {
            JsonPath waiting = Api.post("/api/v1/resize-jobs", Roles.OPERATOR, byProfile(vm))
                    .then()
                    .statusCode(202)
                    .extract()
                    .jsonPath();
            assertThat(waiting.getString("state")).isEqualTo("WAITING_FOR_SCAN");
            String jobId = waiting.getString("id");

            ScanJob scan = jobs.readNext(event -> event.payloadAs(ScanJob.class).isPresent(), WAIT)
                    .payloadAs(ScanJob.class)
                    .orElseThrow();
            assertThat(scan.getJobId()).isEqualTo(waiting.getString("scanJobId"));
            assertThat(scan.getDiskId()).isEqualTo(vm + "-vda");
            assertThat(scan.getHostId()).isEqualTo(hostId);
            assertThat(scan.getImagePath()).isEqualTo("/ds/resize/resize.img");
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, byProfile(vm)), 409, "failed-precondition");

            worker.publish(
                    Topic.WORKER_PROGRESS,
                    scan.getJobId(),
                    JobStarted.newBuilder()
                            .setJobId(scan.getJobId())
                            .setKind(JobKind.JOB_KIND_SCAN)
                            .setDiskId(scan.getDiskId())
                            .setWorkerHost(hostId)
                            .build());
            worker.publish(
                    Topic.WORKER_PROGRESS,
                    scan.getJobId(),
                    JobFinished.newBuilder()
                            .setJobId(scan.getJobId())
                            .setImage(ImageResult.newBuilder()
                                    .setImageBeforeBytes(11 * GIB)
                                    .setImageAfterBytes(11 * GIB)
                                    .setLayout("MBR, 11 GiB")
                                    .setDiskLayout(layout()))
                            .build());

            ResizeJob resize = jobs.readNext(
                            event -> event.payloadAs(ResizeJob.class).isPresent(), WAIT)
                    .payloadAs(ResizeJob.class)
                    .orElseThrow();
            assertThat(resize.getJobId()).isEqualTo(jobId);
            assertThat(resize.getTargetsList())
                    .as("2 GiB used, 4 of 6 GiB kept free; the swap is left as it is")
                    .singleElement()
                    .satisfies(target -> {
                        assertThat(target.getNumber()).isEqualTo(1);
                        assertThat(target.getSizeBytes()).isEqualTo(6 * GIB);
                    });
            assertThat(resize.getAlignment()).isEqualTo(Alignment.ALIGNMENT_1_MIB);
            assertThat(resize.getSparsify()).isTrue();
            assertThat(resize.getTruncate()).isTrue();
            assertThat(resize.getDryRun()).isFalse();
            assertThat(resize.getHostId()).isEqualTo(hostId);
            assertThat(resize.getDomain()).isEqualTo(vm);
            JsonPath queued = Api.get("/api/v1/resize-jobs/{id}", jobId);
            assertThat(queued.getString("state")).isEqualTo("QUEUED");
            assertThat(queued.getLong("projectedSavingsBytes")).isEqualTo(4 * GIB);
            JsonPath layout = Api.get("/api/v1/disks/{id}/layout", vm + "-vda");
            assertThat(layout.getLong("partitions[0].usedBytes")).isEqualTo(2 * GIB);
            assertThat(layout.getString("partitions[1].usedBytes")).isNull();

            worker.publish(
                    Topic.WORKER_PROGRESS,
                    jobId,
                    JobStarted.newBuilder()
                            .setJobId(jobId)
                            .setKind(JobKind.JOB_KIND_RESIZE)
                            .setDiskId(vm + "-vda")
                            .setWorkerHost(hostId)
                            .build());
            worker.publish(
                    Topic.WORKER_PROGRESS,
                    jobId,
                    JobStep.newBuilder()
                            .setJobId(jobId)
                            .setStep("shrink-filesystem 1")
                            .build());
            worker.publish(
                    Topic.WORKER_PROGRESS,
                    jobId,
                    JobStep.newBuilder().setJobId(jobId).setStep("move").build());
            for (long done : new long[] {GIB, 2 * GIB}) {
                worker.publish(
                        Topic.WORKER_PROGRESS,
                        jobId,
                        JobProgress.newBuilder()
                                .setJobId(jobId)
                                .setStep("move")
                                .setBytesDone(done)
                                .setBytesTotal(2 * GIB)
                                .build());
            }
            worker.publish(
                    Topic.WORKER_PROGRESS,
                    jobId,
                    JobFinished.newBuilder()
                            .setJobId(jobId)
                            .setImage(ImageResult.newBuilder()
                                    .setImageBeforeBytes(11 * GIB)
                                    .setImageAfterBytes(6 * GIB + 513 * MIB)
                                    .setBackedBeforeBytes(4 * GIB)
                                    .setBackedAfterBytes(2 * GIB + 100 * MIB)
                                    .setLayout("MBR, 6.5 GiB"))
                            .build());

            await().atMost(WAIT).until(() -> Api.get("/api/v1/resize-jobs/{id}", jobId)
                    .getString("state")
                    .equals("FINISHED"));
            JsonPath finished = Api.get("/api/v1/resize-jobs/{id}", jobId);
            assertThat(finished.getString("workerHost")).isEqualTo(hostId);
            assertThat(finished.getLong("result.imageAfterBytes")).isEqualTo(6 * GIB + 513 * MIB);
            assertThat(finished.getLong("realizedSavingsBytes")).isEqualTo(2 * GIB - 100 * MIB);
            assertThat(finished.getList("steps.step", String.class))
                    .containsExactly("waiting", "queued", "started", "shrink-filesystem 1", "move", "finished");
            assertThat(finished.getLong("steps[4].bytesDone"))
                    .as("a step's progress replaces its previous figures")
                    .isEqualTo(2 * GIB);

            ScanJob again = jobs.readNext(
                            event -> event.payloadAs(ScanJob.class).isPresent(), WAIT)
                    .payloadAs(ScanJob.class)
                    .orElseThrow();
            assertThat(again.getDiskId())
                    .as("the layout is read again after a resize")
                    .isEqualTo(vm + "-vda");
            assertThat(Api.get("/api/v1/resize-jobs?vm={vm}", vm).getList("jobs.kind", String.class))
                    .as("newest first")
                    .containsExactly("SCAN", "RESIZE", "SCAN");
            assertThat(Api.read("/api/v1/disks/{id}/layout", vm + "-vda").statusCode())
                    .as("the layout before the resize is forgotten until the new scan reads it")
                    .isEqualTo(404);

            // the same end delivered again, and a late failure: nothing changes
            worker.publish(
                    Topic.WORKER_PROGRESS,
                    jobId,
                    JobFinished.newBuilder()
                            .setJobId(jobId)
                            .setImage(ImageResult.newBuilder().setBackedBeforeBytes(9 * GIB))
                            .build());
            worker.publish(
                    Topic.WORKER_PROGRESS,
                    jobId,
                    io.ballast.proto.worker.v1.JobFailed.newBuilder()
                            .setJobId(jobId)
                            .setStep("move")
                            .setReason("late")
                            .build());
            worker.publish(
                    Topic.WORKER_PROGRESS,
                    again.getJobId(),
                    JobFinished.newBuilder()
                            .setJobId(again.getJobId())
                            .setImage(ImageResult.newBuilder()
                                    .setDiskLayout(SimulatedWorker.layout(
                                            "NONE",
                                            6 * GIB,
                                            0,
                                            SimulatedWorker.ext4(0, 0, 6 * GIB, 2 * GIB, GIB, MIB))))
                            .build());
            await().atMost(WAIT)
                    .alias("a disk with no partition table: its filesystem is partition 0")
                    .until(() ->
                            Api.read("/api/v1/disks/{id}/layout", vm + "-vda").statusCode() == 200);
            assertThat(Api.get("/api/v1/disks/{id}/layout", vm + "-vda").getInt("partitions[0].number"))
                    .isZero();
            JsonPath still = Api.get("/api/v1/resize-jobs/{id}", jobId);
            assertThat(still.getString("state")).isEqualTo("FINISHED");
            assertThat(still.getLong("result.backedBeforeBytes")).isEqualTo(4 * GIB);
            assertThat(still.getList("steps")).hasSize(6);
            assertThat(jobs.readFor(Duration.ofSeconds(1)))
                    .as("the first scan and the one after the resize; none for the same end again")
                    .filteredOn(event -> event.payloadAs(ScanJob.class).isPresent())
                    .hasSize(2);
        }
    }

    @Test
    void badResizesAreRefusedAndChangeNothing() {
        String vm = "1b000000-0000-0000-0000-000000000003";
        String qcow = "1b000000-0000-0000-0000-000000000004";
        host("refuse", vm, qcow);
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            EventTap jobs = worker.jobs();
            String scanId = Api.post("/api/v1/disks/" + vm + "-vda/scan", Roles.OPERATOR, "")
                    .then()
                    .statusCode(202)
                    .extract()
                    .jsonPath()
                    .getString("id");
            assertThat(worker.answerScan(layout()).getJobId()).isEqualTo(scanId);
            await().atMost(WAIT)
                    .until(() ->
                            Api.read("/api/v1/disks/{id}/layout", vm + "-vda").statusCode() == 200);

            Map<String, Object> belowMinimum =
                    Map.of("vmId", vm, "targets", List.of(Map.of("partition", 1, "sizeBytes", 2 * GIB)));
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, belowMinimum), 400, "invalid-input");
            Map<String, Object> swap =
                    Map.of("vmId", vm, "targets", List.of(Map.of("partition", 2, "sizeBytes", 256 * MIB)));
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, swap), 400, "invalid-input");
            Map<String, Object> negative =
                    Map.of("vmId", vm, "targets", List.of(Map.of("partition", 1, "sizeBytes", -1)));
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, negative), 400, "invalid-input");
            Map<String, Object> both = new HashMap<>(byProfile(vm));
            both.put("targets", List.of(Map.of("partition", 1, "sizeBytes", 6 * GIB)));
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, both), 400, "invalid-input");
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, Map.of("vmId", vm)), 400, "invalid-input");
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, byProfile("no-such-vm")), 404, "not-found");
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.OPERATOR, byProfile(qcow)), 409, "failed-precondition");
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.VIEWER, byProfile(vm)), 403, "");
            Api.problem(Api.read("/api/v1/resize-jobs/not-a-job"), 404, "not-found");

            assertThat(Api.get("/api/v1/resize-jobs?vm={vm}", vm).getList("jobs.kind", String.class))
                    .as("only the scan")
                    .containsExactly("SCAN");
            assertThat(jobs.readFor(Duration.ofSeconds(1)))
                    .noneMatch(event -> event.payloadAs(ResizeJob.class).isPresent());

            String given = Api.post(
                            "/api/v1/resize-jobs",
                            Roles.OPERATOR,
                            Map.of(
                                    "vmId",
                                    vm,
                                    "dryRun",
                                    true,
                                    "targets",
                                    List.of(Map.of("partition", 1, "sizeBytes", 3 * GIB))))
                    .then()
                    .statusCode(201)
                    .extract()
                    .jsonPath()
                    .getString("id");
            Api.problem(
                    Api.post("/api/v1/resize-jobs/" + given + "/cancel", Roles.OPERATOR, ""),
                    409,
                    "failed-precondition");
            assertThat(Api.get("/api/v1/resize-jobs/{id}", given).getString("state"))
                    .as("sent to the worker: it cannot be called back")
                    .isEqualTo("QUEUED");
            Api.problem(
                    Api.post("/api/v1/resize-jobs/" + scanId + "/cancel", Roles.OPERATOR, ""),
                    409,
                    "failed-precondition");
        }
    }

    @Test
    void aSentResizeIsCancelledUntilItsWorkerTakesTheLeaseAndThenTheLeaseIsRefused() throws Exception {
        String vm = "1b000000-0000-0000-0000-000000000031";
        String hostId = host("cancel", vm, "1b000000-0000-0000-0000-000000000032");
        Map<String, Object> shrink =
                Map.of("vmId", vm, "targets", List.of(Map.of("partition", 1, "sizeBytes", 6 * GIB)));
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers());
                GrpcTestChannel channel = GrpcTestChannel.to(RestAssured.port)) {
            var grpc = GrpcTestChannel.as(InventoryServiceGrpc.newBlockingStub(channel.channel()), Roles.OPERATOR);
            Api.post("/api/v1/disks/" + vm + "-vda/scan", Roles.OPERATOR, "")
                    .then()
                    .statusCode(202);
            worker.answerScan(layout());
            await().atMost(WAIT)
                    .until(() ->
                            Api.read("/api/v1/disks/{id}/layout", vm + "-vda").statusCode() == 200);

            // sent, and the worker said it started, but it has not taken the lease: cancelled, and refused the lease
            String cancelled = created(shrink);
            ResizeJob sent = worker.nextResize();
            assertThat(sent.getJobId()).isEqualTo(cancelled);
            worker.start(cancelled, JobKind.JOB_KIND_RESIZE, vm + "-vda", hostId);
            await().atMost(WAIT).until(() -> "RUNNING"
                    .equals(Api.get("/api/v1/resize-jobs/{id}", cancelled).getString("state")));
            assertThat(Api.post("/api/v1/resize-jobs/" + cancelled + "/cancel", Roles.OPERATOR, "")
                            .then()
                            .statusCode(200)
                            .extract()
                            .jsonPath()
                            .getString("state"))
                    .isEqualTo("CANCELLED");
            StatusRuntimeException refused = catchThrowableOfType(
                    StatusRuntimeException.class,
                    () -> grpc.acquireVmLease(AcquireVmLeaseRequest.newBuilder()
                            .setVmId(vm)
                            .setHolder(JobLeaseHolder.of(hostId, cancelled))
                            .setTtlSeconds(60)
                            .build()));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(refused.getStatus().getDescription()).contains("cancelled");
            worker.fail(cancelled, "lease", refused.getStatus().getDescription());
            Api.problem(
                    Api.post("/api/v1/resize-jobs/" + cancelled + "/cancel", Roles.OPERATOR, ""),
                    409,
                    "failed-precondition");
            await().atMost(WAIT)
                    .alias("the worker's failure after the cancel changes nothing")
                    .until(() -> Api.get("/api/v1/resize-jobs/{id}", cancelled)
                            .getList("steps.step", String.class)
                            .containsAll(List.of("cancelled")));
            assertThat(Api.get("/api/v1/resize-jobs/{id}", cancelled).getString("state"))
                    .isEqualTo("CANCELLED");

            // once the worker holds the lease for it, the job has begun: no cancel
            String begun = created(shrink);
            assertThat(worker.nextResize().getJobId()).isEqualTo(begun);
            VmLease lease = grpc.acquireVmLease(AcquireVmLeaseRequest.newBuilder()
                            .setVmId(vm)
                            .setHolder(JobLeaseHolder.of(hostId, begun))
                            .setTtlSeconds(60)
                            .build())
                    .getLease();
            assertThat(Api.problem(
                                    Api.post("/api/v1/resize-jobs/" + begun + "/cancel", Roles.OPERATOR, ""),
                                    409,
                                    "failed-precondition")
                            .getString("detail"))
                    .contains(JobLeaseHolder.of(hostId, begun));
            assertThat(Api.get("/api/v1/resize-jobs/{id}", begun).getString("state"))
                    .isEqualTo("QUEUED");
            grpc.releaseVmLease(ReleaseVmLeaseRequest.newBuilder()
                    .setVmId(vm)
                    .setFencingToken(lease.getFencingToken())
                    .build());
            assertThat(Api.problem(
                                    Api.post("/api/v1/resize-jobs/" + begun + "/cancel", Roles.OPERATOR, ""),
                                    409,
                                    "failed-precondition")
                            .getString("detail"))
                    .as("released (the job may have ended before its end was read): it has begun all the same")
                    .contains("has begun");
            Api.problem(
                    Api.post(
                            "/api/v1/resize-jobs/" + begun.toUpperCase(java.util.Locale.ROOT) + "/cancel",
                            Roles.OPERATOR,
                            ""),
                    409,
                    "failed-precondition");
            worker.fail(begun, "resize", "stopped by the test");
        }
    }

    private static String created(Map<String, Object> request) {
        return Api.post("/api/v1/resize-jobs", Roles.OPERATOR, request)
                .then()
                .statusCode(201)
                .extract()
                .jsonPath()
                .getString("id");
    }

    /**
     * A host whose running VMs each have one 20 GiB image, raw (qcow2 for a VM named {@code qcow}), all of {@code
     * profile}, which keeps half of each filesystem free.
     */
    private static void batchHost(String name, String profile, Map<String, String> vms) {
        HostFile fleet = new HostFile()
                .pool(
                        "pool-" + name,
                        String.format("1c000000-0000-0000-0000-%012x", name.hashCode() & 0xffffffffL),
                        "/ds/" + name,
                        vms.keySet().stream()
                                .map(vm -> volume(vm + "." + format(vm), 20, 5, format(vm)))
                                .toArray(HostFile.Volume[]::new));
        vms.forEach((vm, id) ->
                fleet.domain(vm, id, true, disk("vda", "/ds/" + name + "/" + vm + "." + format(vm), format(vm), vm)));
        Api.addHost(fleet.writeTo(TestFleets.file(name)));
        Api.put("/api/v1/profiles/" + profile, Roles.OPERATOR, Map.of("minFreeRatio", 0.2, "desiredFreeRatio", 0.5))
                .then()
                .statusCode(201);
        for (String id : vms.values()) {
            Api.put("/api/v1/vms/" + id + "/profile", Roles.OPERATOR, Map.of("profile", profile))
                    .then()
                    .statusCode(200);
        }
    }

    private static String format(String vm) {
        return vm.equals("qcow") ? "qcow2" : "raw";
    }

    /** Scans the VM's disk: one ext4 partition of {@code partitionBytes} using {@code usedBytes} (minimum 1 GiB). */
    private static void scanned(SimulatedWorker worker, String vm, long partitionBytes, long usedBytes) {
        worker.scanned(
                vm + "-vda",
                SimulatedWorker.layout(
                        "GPT", 20 * GIB, 0, SimulatedWorker.ext4(1, MIB, partitionBytes, usedBytes, GIB, MIB)));
    }

    @Test
    void aBatchResizesEachVmLargestSavingsFirstAndNamesEachVmItRefuses() {
        // ids in another order than their savings, so that only the savings order them
        String small = "1b000000-0000-0000-0000-0000000000b1";
        String unscanned = "1b000000-0000-0000-0000-0000000000b2";
        String leased = "1b000000-0000-0000-0000-0000000000b3";
        String busy = "1b000000-0000-0000-0000-0000000000b4";
        String flat = "1b000000-0000-0000-0000-0000000000b5";
        String qcow = "1b000000-0000-0000-0000-0000000000b6";
        String big = "1b000000-0000-0000-0000-0000000000b7";
        Map<String, String> vms = new java.util.LinkedHashMap<>();
        vms.put("big", big);
        vms.put("small", small);
        vms.put("unscanned", unscanned);
        vms.put("leased", leased);
        vms.put("busy", busy);
        vms.put("flat", flat);
        vms.put("qcow", qcow);
        batchHost("batch", "half-free", vms);

        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            // half of each filesystem kept free: 2 GiB used of 16 makes 4 GiB, 12 saved; 3 of 8 makes 6, 2 saved;
            // 6 of 16 makes 12, 4 saved; 2 of 8 makes 4, 4 saved; 2 of 4 is right-sized already
            scanned(worker, big, 16 * GIB, 2 * GIB);
            scanned(worker, small, 8 * GIB, 3 * GIB);
            scanned(worker, leased, 16 * GIB, 6 * GIB);
            scanned(worker, busy, 8 * GIB, 2 * GIB);
            scanned(worker, flat, 4 * GIB, 2 * GIB);
            leases.acquire(leased, "resize-worker@batch/job-0", Duration.ofMinutes(10));
            Api.post(
                            "/api/v1/resize-jobs",
                            Roles.OPERATOR,
                            Map.of(
                                    "vmId",
                                    busy,
                                    "dryRun",
                                    true,
                                    "targets",
                                    List.of(Map.of("partition", 1, "sizeBytes", 6 * GIB))))
                    .then()
                    .statusCode(201);
            assertThat(worker.nextResize().getDomain()).isEqualTo(busy);

            JsonPath batch = Api.post(
                            "/api/v1/resize-jobs",
                            Roles.OPERATOR,
                            Map.of(
                                    "vms",
                                    List.of(small, unscanned, leased, big, busy, qcow, flat, "no-such-vm"),
                                    "alignment",
                                    "64KiB"))
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(batch.getList("jobs.vmId", String.class))
                    .as("largest projected savings first, the VM never scanned last")
                    .containsExactly(big, small, unscanned);
            assertThat(batch.getList("jobs.state", String.class))
                    .containsExactly("QUEUED", "QUEUED", "WAITING_FOR_SCAN");
            assertThat(batch.getLong("jobs[0].projectedSavingsBytes")).isEqualTo(12 * GIB);
            assertThat(batch.getLong("jobs[1].projectedSavingsBytes")).isEqualTo(2 * GIB);
            assertThat(batch.getBoolean("jobs[0].byProfile")).isTrue();
            assertThat(batch.getList("jobs.createdAt", String.class).stream()
                            .map(Instant::parse)
                            .toList())
                    .as("created in that order")
                    .isSorted();
            assertThat(batch.getList("refused", Map.class))
                    .extracting(refused -> refused.get("vmId"), refused -> refused.get("status"))
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(leased, 409),
                            org.assertj.core.groups.Tuple.tuple(busy, 409),
                            org.assertj.core.groups.Tuple.tuple(flat, 409),
                            org.assertj.core.groups.Tuple.tuple(qcow, 409),
                            org.assertj.core.groups.Tuple.tuple("no-such-vm", 404));
            assertThat(batch.getString("refused.find { it.vmId == '" + leased + "' }.detail"))
                    .contains("leased");
            assertThat(batch.getString("refused.find { it.vmId == '" + busy + "' }.type"))
                    .isEqualTo("urn:ballast:problem:failed-precondition");
            assertThat(batch.getString("refused.find { it.vmId == '" + flat + "' }.detail"))
                    .contains("nothing to save");

            ResizeJob first = worker.nextResize();
            assertThat(first.getDiskId()).as("sent in the order created").isEqualTo(big + "-vda");
            assertThat(first.getAlignment()).isEqualTo(Alignment.ALIGNMENT_64_KIB);
            assertThat(first.getTargetsList()).singleElement().satisfies(target -> assertThat(target.getSizeBytes())
                    .isEqualTo(4 * GIB));
            ResizeJob second = worker.nextResize();
            assertThat(second.getDiskId()).isEqualTo(small + "-vda");
            assertThat(second.getTargets(0).getSizeBytes()).isEqualTo(6 * GIB);
            assertThat(worker.nextScan().getDiskId()).isEqualTo(unscanned + "-vda");
            assertThat(worker.jobs().readFor(Duration.ofSeconds(1)))
                    .as("the busy VM's own resize, and the batch's two; nothing for the VMs refused")
                    .filteredOn(event -> event.payloadAs(ResizeJob.class).isPresent())
                    .hasSize(3);
        }
        for (String refused : List.of(leased, flat, qcow)) {
            assertThat(Api.get("/api/v1/resize-jobs?vm={vm}", refused).getList("jobs.kind", String.class))
                    .as("nothing created for a VM refused")
                    .doesNotContain("RESIZE");
        }
    }

    @Test
    void aBatchByFilterTakesTheVmsMatchingEveryCriterionWithTheRequestsOptions() {
        String saves2 = "1b000000-0000-0000-0000-0000000000c1";
        String saves6 = "1b000000-0000-0000-0000-0000000000c2";
        String elsewhere = "1b000000-0000-0000-0000-0000000000c3";
        batchHost("filtered", "filtered", Map.of("two", saves2, "six", saves6));
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            scanned(worker, saves2, 8 * GIB, 3 * GIB);
            scanned(worker, saves6, 12 * GIB, 3 * GIB);
            batchHost("unfiltered", "unfiltered", Map.of("other", elsewhere));
            scanned(worker, elsewhere, 16 * GIB, 2 * GIB);

            JsonPath batch = Api.post(
                            "/api/v1/resize-jobs",
                            Roles.OPERATOR,
                            Map.of(
                                    "filter",
                                    Map.of("profile", "filtered", "powerState", "RUNNING"),
                                    "dryRun",
                                    true,
                                    "sparsify",
                                    false))
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(batch.getList("jobs.vmId", String.class)).containsExactly(saves6, saves2);
            assertThat(batch.getList("jobs.dryRun", Boolean.class)).containsOnly(true);
            assertThat(batch.getList("refused")).isEmpty();
            ResizeJob first = worker.nextResize();
            assertThat(first.getDomain()).isEqualTo(saves6);
            assertThat(first.getDryRun()).isTrue();
            assertThat(first.getSparsify()).isFalse();
            assertThat(first.getTruncate()).isTrue();
            assertThat(worker.nextResize().getDomain()).isEqualTo(saves2);
        }
    }

    @Test
    void aBadBatchIsRefusedWholeAndChangesNothing() {
        String web = ConfiguredFleet.WEB;
        String db = ConfiguredFleet.DB;
        try (EventTap jobs = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_JOBS)) {
            badBatch(Map.of("vmId", web, "vms", List.of(db)), "vmId");
            badBatch(Map.of("vms", List.of(web), "filter", Map.of("profile", "web")), "filter");
            badBatch(Map.of("vms", List.of()), "vms");
            badBatch(Map.of("vms", List.of(web, db, web)), "vms[2]");
            badBatch(Map.of("vms", List.of(web), "diskId", web + "-vda"), "diskId");
            badBatch(
                    Map.of("vms", List.of(web), "targets", List.of(Map.of("partition", 1, "sizeBytes", GIB))),
                    "targets");
            badBatch(Map.of("vms", List.of(web), "byProfile", false), "byProfile");
            badBatch(Map.of("filter", Map.of()), "filter");
            badBatch(Map.of("filter", Map.of("powerState", "ASLEEP")), "filter.powerState");
            badBatch(Map.of("vms", List.of(web), "alignment", "2MiB"), "alignment");
            badBatch(Map.of("dryRun", true), "vmId");
            Api.problem(Api.post("/api/v1/resize-jobs", Roles.VIEWER, Map.of("vms", List.of(web))), 403, "forbidden");

            assertThat(jobs.readFor(Duration.ofSeconds(1))).as("nothing sent").noneMatch(event -> List.of(
                            web + "-vda", db + "-vda")
                    .contains(event.envelope().getSubjectId()));
        }
        assertThat(Api.get("/api/v1/resize-jobs?vm={vm}", web).getList("jobs")).isEmpty();
        assertThat(Api.get("/api/v1/resize-jobs?vm={vm}", db).getList("jobs")).isEmpty();
    }

    private static void badBatch(Map<String, Object> body, String field) {
        var response = Api.post("/api/v1/resize-jobs", Roles.OPERATOR, body);
        Api.problem(response, 400, "invalid-input");
        assertThat(response.jsonPath().getList("errors.field", String.class)).contains(field);
    }

    @Test
    void theOpenApiDocumentDescribesBothAnswersOfAResize() {
        JsonPath openApi = io.restassured.RestAssured.get("/q/openapi?format=json")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        Map<String, Object> responses = openApi.getMap("paths.'/api/v1/resize-jobs'.post.responses");
        assertThat(responses).containsKeys("200", "201", "202");
        assertThat(openApi.getMap("components.schemas.BatchView.properties")).containsKeys("jobs", "refused");
        assertThat(openApi.getMap("paths.'/api/v1/vms/{id}/history'")).containsKey("get");
        assertThat(openApi.getMap("paths.'/api/v1/datastores/{id}'")).containsKeys("get", "put");
        assertThat(openApi.getMap("paths.'/api/v1/hosts/{id}'")).containsKeys("get", "put");
    }
}
