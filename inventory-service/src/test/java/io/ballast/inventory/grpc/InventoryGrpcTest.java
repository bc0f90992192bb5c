package io.ballast.inventory.grpc;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.inventory.v1.AcquireVmLeaseRequest;
import io.ballast.proto.inventory.v1.GetVirtualDiskRequest;
import io.ballast.proto.inventory.v1.GetVmRequest;
import io.ballast.proto.inventory.v1.ImageFormat;
import io.ballast.proto.inventory.v1.InventoryServiceGrpc;
import io.ballast.proto.inventory.v1.ListVmsRequest;
import io.ballast.proto.inventory.v1.PowerState;
import io.ballast.proto.inventory.v1.ReleaseVmLeaseRequest;
import io.ballast.proto.inventory.v1.RenewVmLeaseRequest;
import io.ballast.proto.inventory.v1.VmLease;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.GrpcTestChannel;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TestFleets;
import io.ballast.testsupport.TokenResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC interface: the fleet as recorded, and VM leases with fencing tokens, on the real database. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class InventoryGrpcTest {

    private static final String VM = "2b000000-0000-0000-0000-000000000001";
    private static final String OTHER_VM = "2b000000-0000-0000-0000-000000000002";

    private GrpcTestChannel channel;

    private static boolean hostAdded;

    @BeforeEach
    void fleet() {
        if (hostAdded) {
            return;
        }
        String uri = new HostFile()
                .pool("pool-l", "2a000000-0000-0000-0000-000000000001", "/ds/l", volume("l.img", 12, 5, "raw"))
                .domain("l", VM, true, disk("vda", "/ds/l/l.img", "raw", "l-1"))
                .domain("l2", OTHER_VM, false, disk("vda", "/ds/l/l2.img", "raw", "l-2"))
                .writeTo(TestFleets.file("leases"));
        Api.addHost(uri);
        hostAdded = true;
    }

    @BeforeEach
    void connect() {
        channel = GrpcTestChannel.to(RestAssured.port);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.close();
    }

    @Test
    void theFleetReadsAsRecorded() {
        var viewer = stub(Roles.VIEWER);
        var vm = viewer.getVm(GetVmRequest.newBuilder().setVmId(VM).build()).getVm();
        assertThat(vm.getName()).isEqualTo("l");
        assertThat(vm.getPowerState()).isEqualTo(PowerState.POWER_STATE_RUNNING);
        var disk = viewer.getVirtualDisk(GetVirtualDiskRequest.newBuilder()
                        .setDiskId(VM + "-vda")
                        .build())
                .getDisk();
        assertThat(disk.getDatastoreId()).isEqualTo("2a000000-0000-0000-0000-000000000001");
        assertThat(disk.getDesignatedBytes()).isEqualTo(12 * GIB);
        assertThat(disk.getBackedBytes()).isEqualTo(5 * GIB);
        assertThat(disk.getFormat()).isEqualTo(ImageFormat.IMAGE_FORMAT_RAW);

        var first = viewer.listVms(ListVmsRequest.newBuilder()
                .setHostId(vm.getHostId())
                .setPageSize(1)
                .build());
        assertThat(first.getVmsList()).extracting(v -> v.getVmId()).containsExactly(VM);
        var second = viewer.listVms(ListVmsRequest.newBuilder()
                .setHostId(vm.getHostId())
                .setPageSize(1)
                .setPageToken(first.getNextPageToken())
                .build());
        assertThat(second.getVmsList()).extracting(v -> v.getVmId()).containsExactly(OTHER_VM);
        assertThat(second.getNextPageToken()).isEmpty();

        assertThat(GrpcTestChannel.status(() ->
                        viewer.getVm(GetVmRequest.newBuilder().setVmId("nope").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(GrpcTestChannel.status(() -> viewer.listVms(
                        ListVmsRequest.newBuilder().setPageSize(1001).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void aLeaseIsOneHoldersAtATimeWithTokensThatOnlyGrow() {
        var operator = stub(Roles.OPERATOR);
        VmLease first = acquire(operator, VM, "worker@host-1/job-1", 60);
        assertThat(first.getFencingToken()).isPositive();
        assertThat(first.getHolder()).isEqualTo("worker@host-1/job-1");

        assertThat(GrpcTestChannel.status(() -> acquire(operator, VM, "worker@host-2/job-2", 60)))
                .as("another holder waits for the lease to end")
                .isEqualTo(Status.Code.FAILED_PRECONDITION);

        VmLease again = acquire(operator, VM, "worker@host-1/job-1", 60);
        assertThat(again.getFencingToken())
                .as("the same holder, restarted, takes it back under a new token")
                .isGreaterThan(first.getFencingToken());
        assertThat(GrpcTestChannel.status(() -> renew(operator, VM, first.getFencingToken(), 60)))
                .as("the older token is stale")
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        VmLease renewed = renew(operator, VM, again.getFencingToken(), 120);
        assertThat(renewed.getFencingToken()).isEqualTo(again.getFencingToken());
        assertThat(renewed.getExpiresAt().getSeconds())
                .isGreaterThan(again.getExpiresAt().getSeconds());

        release(operator, VM, first.getFencingToken());
        assertThat(GrpcTestChannel.status(() -> acquire(operator, VM, "worker@host-2/job-2", 60)))
                .as("releasing a stale token gives nothing up")
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        release(operator, VM, again.getFencingToken());
        release(operator, VM, again.getFencingToken());
        VmLease next = acquire(operator, VM, "worker@host-2/job-2", 60);
        assertThat(next.getFencingToken()).isGreaterThan(again.getFencingToken());
        release(operator, VM, next.getFencingToken());
    }

    @Test
    void aVmWhoseLeaseIsHeldTakesNoResizeJob() {
        var operator = stub(Roles.OPERATOR);
        VmLease held = acquire(operator, VM, "worker@host-1/job-9", 60);
        try {
            Api.problem(
                    Api.post("/api/v1/resize-jobs", Roles.OPERATOR, Map.of("vmId", VM, "byProfile", true)),
                    409,
                    "failed-precondition");
            assertThat(Api.get("/api/v1/resize-jobs?vm={vm}", VM).getList("jobs"))
                    .isEmpty();
        } finally {
            release(operator, VM, held.getFencingToken());
        }
    }

    @Test
    void aLeaseThatExpiresPassesToTheNextHolderAndItsTokenIsRefused() {
        var operator = stub(Roles.OPERATOR);
        VmLease short_ = acquire(operator, OTHER_VM, "worker@host-1/job-3", 1);
        VmLease taken = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> tryAcquire(operator, OTHER_VM, "worker@host-2/job-4"), lease -> lease != null);
        assertThat(taken.getFencingToken()).isGreaterThan(short_.getFencingToken());
        assertThat(GrpcTestChannel.status(() -> renew(operator, OTHER_VM, short_.getFencingToken(), 60)))
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        release(operator, OTHER_VM, taken.getFencingToken());
    }

    @Test
    void badLeaseRequestsAreRefusedAsTheContractSays() {
        var operator = stub(Roles.OPERATOR);
        assertThat(GrpcTestChannel.status(() -> acquire(operator, "no-such-vm", "w", 60)))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(GrpcTestChannel.status(() -> acquire(operator, VM, "w", 0))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcTestChannel.status(() -> acquire(operator, VM, "w", 7200)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcTestChannel.status(() -> acquire(operator, VM, " ", 60)))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcTestChannel.status(() -> acquire(stub(Roles.VIEWER), VM, "w", 60)))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(GrpcTestChannel.status(() -> InventoryServiceGrpc.newBlockingStub(channel.channel())
                        .getVm(GetVmRequest.newBuilder().setVmId(VM).build())))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    private VmLease tryAcquire(InventoryServiceGrpc.InventoryServiceBlockingStub stub, String vm, String holder) {
        try {
            return acquire(stub, vm, holder, 60);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            return null;
        }
    }

    private static VmLease acquire(
            InventoryServiceGrpc.InventoryServiceBlockingStub stub, String vm, String holder, int ttlSeconds) {
        return stub.acquireVmLease(AcquireVmLeaseRequest.newBuilder()
                        .setVmId(vm)
                        .setHolder(holder)
                        .setTtlSeconds(ttlSeconds)
                        .build())
                .getLease();
    }

    private static VmLease renew(
            InventoryServiceGrpc.InventoryServiceBlockingStub stub, String vm, long token, int ttlSeconds) {
        return stub.renewVmLease(RenewVmLeaseRequest.newBuilder()
                        .setVmId(vm)
                        .setFencingToken(token)
                        .setTtlSeconds(ttlSeconds)
                        .build())
                .getLease();
    }

    private static void release(InventoryServiceGrpc.InventoryServiceBlockingStub stub, String vm, long token) {
        stub.releaseVmLease(ReleaseVmLeaseRequest.newBuilder()
                .setVmId(vm)
                .setFencingToken(token)
                .build());
    }

    private InventoryServiceGrpc.InventoryServiceBlockingStub stub(String role) {
        return GrpcTestChannel.as(InventoryServiceGrpc.newBlockingStub(channel.channel()), role);
    }
}
