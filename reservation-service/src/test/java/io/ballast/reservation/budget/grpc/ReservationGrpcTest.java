package io.ballast.reservation.budget.grpc;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.proto.reservation.v1.AbortMigrationRequest;
import io.ballast.proto.reservation.v1.BallastState;
import io.ballast.proto.reservation.v1.Budget;
import io.ballast.proto.reservation.v1.CommitMigrationRequest;
import io.ballast.proto.reservation.v1.DatastoreLedger;
import io.ballast.proto.reservation.v1.DatastoreMode;
import io.ballast.proto.reservation.v1.DiskDestination;
import io.ballast.proto.reservation.v1.GetBudgetRequest;
import io.ballast.proto.reservation.v1.GetDatastoreLedgerRequest;
import io.ballast.proto.reservation.v1.GetGrowthRequest;
import io.ballast.proto.reservation.v1.GetGrowthResponse;
import io.ballast.proto.reservation.v1.GetMigrationRequest;
import io.ballast.proto.reservation.v1.GrowthOutcome;
import io.ballast.proto.reservation.v1.ListBudgetsRequest;
import io.ballast.proto.reservation.v1.MigrationState;
import io.ballast.proto.reservation.v1.PlaceDiskRequest;
import io.ballast.proto.reservation.v1.PlaceDiskResponse;
import io.ballast.proto.reservation.v1.PrepareMigrationRequest;
import io.ballast.proto.reservation.v1.PrepareMigrationResponse;
import io.ballast.proto.reservation.v1.RequestGrowthRequest;
import io.ballast.proto.reservation.v1.RequestGrowthResponse;
import io.ballast.proto.reservation.v1.ReservationServiceGrpc;
import io.ballast.proto.reservation.v1.SetBallastOverrideRequest;
import io.ballast.proto.reservation.v1.SetDatastorePolicyRequest;
import io.ballast.proto.reservation.v1.SetExportBoundRequest;
import io.ballast.proto.reservation.v1.SetExportBoundResponse;
import io.ballast.reservation.budget.rest.ServiceFleet;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.GrpcTestChannel;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.InventoryEvents;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC ReservationService on the application's port: the same decisions as REST, roles and status codes. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
class ReservationGrpcTest {

    private static final long GIB = 1L << 30;

    @InjectKafkaBroker
    Broker broker;

    private GrpcTestChannel channel;

    @BeforeEach
    void connect() {
        channel = GrpcTestChannel.to(RestAssured.port);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.close();
    }

    @Test
    void budgetsMigrationsAndRefusalsAnswerAsTheContractPromises() {
        try (EventProducer inventory = EventProducer.connect(broker.bootstrapServers(), "inventory-service")) {
            InventoryEvents fleet = new InventoryEvents(inventory);
            for (String datastore : new String[] {"ds-g-from", "ds-g-to"}) {
                fleet.datastore(datastore, 50 * GIB, Path.of("/datastores", datastore));
            }
            fleet.rawDisk(
                    "disk-g", "vm-g", "ds-g-from", Path.of("/datastores/ds-g-from/disk-g.img"), 10 * GIB, "ser-disk-g");
        }
        var viewer = stub(Roles.VIEWER);
        await().atMost(Duration.ofSeconds(30)).until(() -> found(viewer, "disk-g"));

        var budget = viewer.getBudget(
                        GetBudgetRequest.newBuilder().setDiskId("disk-g").build())
                .getBudget();
        assertThat(budget.getDatastoreId()).isEqualTo("ds-g-from");
        assertThat(budget.getDesignatedBytes()).isEqualTo(10 * GIB);
        assertThat(budget.getEffectiveBytes()).isEqualTo(10 * GIB);
        assertThat(viewer.listBudgets(ListBudgetsRequest.newBuilder()
                                .setDatastoreId("ds-g-from")
                                .build())
                        .getBudgetsList())
                .hasSize(1);
        var ledger = viewer.getDatastoreLedger(GetDatastoreLedgerRequest.newBuilder()
                        .setDatastoreId("ds-g-from")
                        .build())
                .getLedger();
        assertThat(ledger.getWorstCaseDemandBytes()).isEqualTo(10 * GIB);
        assertThat(ledger.getHeadroomBytes()).isEqualTo(40 * GIB);

        var orchestrator = stub(Roles.ORCHESTRATOR);
        PrepareMigrationRequest prepare = PrepareMigrationRequest.newBuilder()
                .setMigrationId("libvirt-vm-g-1")
                .setVmId("vm-g")
                .addDisks(DiskDestination.newBuilder().setDiskId("disk-g").setToDatastoreId("ds-g-to"))
                .setTtlSeconds(600)
                .build();
        PrepareMigrationResponse prepared = orchestrator.prepareMigration(prepare);
        assertThat(prepared.getMigrationId()).as("the caller's id").isEqualTo("libvirt-vm-g-1");
        assertThat(prepared.getHoldsList()).singleElement().satisfies(hold -> {
            assertThat(hold.getDatastoreId()).isEqualTo("ds-g-to");
            assertThat(hold.getBytes()).isEqualTo(10 * GIB);
        });
        assertThat(orchestrator.prepareMigration(prepare).getHoldsList())
                .as("asked again under its id: the same hold")
                .singleElement()
                .satisfies(hold -> assertThat(hold.getHoldId())
                        .isEqualTo(prepared.getHolds(0).getHoldId()));
        assertThat(viewer.getMigration(GetMigrationRequest.newBuilder()
                                .setMigrationId("libvirt-vm-g-1")
                                .build())
                        .getDisksList())
                .singleElement()
                .satisfies(disk -> {
                    assertThat(disk.getDiskId()).isEqualTo("disk-g");
                    assertThat(disk.getFromDatastoreId()).isEqualTo("ds-g-from");
                    assertThat(disk.getToDatastoreId()).isEqualTo("ds-g-to");
                    assertThat(disk.getState()).isEqualTo(MigrationState.MIGRATION_STATE_PREPARED);
                    assertThat(disk.getNeedBytes()).isEqualTo(10 * GIB);
                });
        assertThat(GrpcTestChannel.status(() -> orchestrator.prepareMigration(
                        prepare.toBuilder().setMigrationId("not an id").build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcTestChannel.status(() -> viewer.getMigration(GetMigrationRequest.newBuilder()
                        .setMigrationId("no-such")
                        .build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        orchestrator.commitMigration(CommitMigrationRequest.newBuilder()
                .setMigrationId(prepared.getMigrationId())
                .build());
        orchestrator.commitMigration(CommitMigrationRequest.newBuilder()
                .setMigrationId(prepared.getMigrationId())
                .build());
        assertThat(viewer.getBudget(GetBudgetRequest.newBuilder()
                                .setDiskId("disk-g")
                                .build())
                        .getBudget()
                        .getDatastoreId())
                .isEqualTo("ds-g-to");
        assertThat(viewer.getMigration(GetMigrationRequest.newBuilder()
                                .setMigrationId("libvirt-vm-g-1")
                                .build())
                        .getDisks(0)
                        .getState())
                .isEqualTo(MigrationState.MIGRATION_STATE_COMMITTED);

        assertThat(GrpcTestChannel.status(() -> viewer.getBudget(
                        GetBudgetRequest.newBuilder().setDiskId("no-such-disk").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(GrpcTestChannel.status(() -> orchestrator.requestGrowth(RequestGrowthRequest.newBuilder()
                        .setDiskId("disk-g")
                        .setAdditionalBytes(-1)
                        .build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(GrpcTestChannel.status(() -> orchestrator.abortMigration(AbortMigrationRequest.newBuilder()
                        .setMigrationId(prepared.getMigrationId())
                        .build())))
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(GrpcTestChannel.status(() -> viewer.requestGrowth(RequestGrowthRequest.newBuilder()
                        .setDiskId("disk-g")
                        .setAdditionalBytes(GIB)
                        .build())))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThatThrownBy(() -> ReservationServiceGrpc.newBlockingStub(channel.channel())
                        .getBudget(GetBudgetRequest.newBuilder()
                                .setDiskId("disk-g")
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void policyOverridesPlacementsExportBoundsAndGrowthsAnswerOverGrpcAsOverRest() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-g2", 100 * GIB);
            fleet.vmWithDisk("vm-g2", "disk-g2", "ds-g2", 40 * GIB, "");
            var viewer = stub(Roles.VIEWER);
            await().atMost(ServiceFleet.WAIT).until(() -> found(viewer, "disk-g2"));
            fleet.report("vm-g2", "disk-g2", 4 * GIB);
            await().atMost(ServiceFleet.WAIT).until(() -> given().auth()
                    .oauth2(Tokens.token(Roles.VIEWER))
                    .get("/api/v1/disks/disk-g2")
                    .jsonPath()
                    .getBoolean("agentOnline"));
            var operator = stub(Roles.OPERATOR);
            var orchestrator = stub(Roles.ORCHESTRATOR);

            DatastoreLedger relaxed = operator.setDatastorePolicy(SetDatastorePolicyRequest.newBuilder()
                            .setDatastoreId("ds-g2")
                            .setMode(DatastoreMode.DATASTORE_MODE_RELAXED)
                            .setRatio(1.5)
                            .build())
                    .getLedger();
            assertThat(relaxed.getRatio()).isEqualTo(1.5);
            DatastoreLedger strict = operator.setDatastorePolicy(SetDatastorePolicyRequest.newBuilder()
                            .setDatastoreId("ds-g2")
                            .setMode(DatastoreMode.DATASTORE_MODE_STRICT)
                            .setReserveBytes(10 * GIB)
                            .build())
                    .getLedger();
            assertThat(strict.getRatio()).isEqualTo(1.0);
            assertThat(strict.getReserveBytes()).isEqualTo(10 * GIB);

            Budget pinned = operator.setBallastOverride(SetBallastOverrideRequest.newBuilder()
                            .setDiskId("disk-g2")
                            .setBallastBytes(30 * GIB)
                            .build())
                    .getBudget();
            assertThat(pinned.getState()).isEqualTo(BallastState.BALLAST_STATE_INFLATING);
            assertThat(pinned.getEffectiveBytes())
                    .as("an inflate counts once the agent acknowledges it")
                    .isEqualTo(40 * GIB);
            operator.setBallastOverride(
                    SetBallastOverrideRequest.newBuilder().setDiskId("disk-g2").build());

            PlaceDiskResponse placed = orchestrator.placeDisk(PlaceDiskRequest.newBuilder()
                    .setDesignatedBytes(40 * GIB)
                    .setExpectedUtilizedBytes(9 * GIB)
                    .setDatastoreId("ds-g2")
                    .build());
            assertThat(placed.getPlacementsList()).singleElement().satisfies(placement -> {
                assertThat(placement.getFits()).isTrue();
                assertThat(placement.getEffectiveBytes() + placement.getBallastBytes())
                        .isEqualTo(40 * GIB);
            });

            SetExportBoundResponse bound = orchestrator.setExportBound(SetExportBoundRequest.newBuilder()
                    .setVmId("vm-g2")
                    .setBytes(8 * GIB)
                    .build());
            assertThat(bound.getBallastBytesMap()).containsExactlyEntriesOf(Map.of("disk-g2", 32 * GIB));

            assertThat(GrpcTestChannel.status(() -> orchestrator.requestGrowth(RequestGrowthRequest.newBuilder()
                            .setDiskId("disk-g2")
                            .setAdditionalBytes(GIB)
                            .build())))
                    .as("a pinned disk does not grow")
                    .isEqualTo(Status.Code.FAILED_PRECONDITION);
            operator.setBallastOverride(
                    SetBallastOverrideRequest.newBuilder().setDiskId("disk-g2").build());
            RequestGrowthResponse growth = orchestrator.requestGrowth(RequestGrowthRequest.newBuilder()
                    .setDiskId("disk-g2")
                    .setAdditionalBytes(GIB)
                    .build());
            assertThat(growth.getOutcome()).isNotEqualTo(GrowthOutcome.GROWTH_OUTCOME_UNSPECIFIED);
            GetGrowthResponse asked = viewer.getGrowth(GetGrowthRequest.newBuilder()
                    .setGrowthId(growth.getGrowthId())
                    .build());
            assertThat(asked.getDiskId()).isEqualTo("disk-g2");
            assertThat(asked.getOutcome()).isEqualTo(growth.getOutcome());
            assertThat(asked.getAdditionalBytes()).isEqualTo(GIB);

            assertThat(GrpcTestChannel.status(() -> operator.setDatastorePolicy(SetDatastorePolicyRequest.newBuilder()
                            .setDatastoreId("ds-g2")
                            .setMode(DatastoreMode.DATASTORE_MODE_RELAXED)
                            .build())))
                    .as("relaxed without a ratio")
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(GrpcTestChannel.status(() -> operator.setDatastorePolicy(SetDatastorePolicyRequest.newBuilder()
                            .setDatastoreId("ds-g2")
                            .build())))
                    .as("no mode")
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(GrpcTestChannel.status(() -> operator.setDatastorePolicy(SetDatastorePolicyRequest.newBuilder()
                            .setDatastoreId("no-such-datastore")
                            .setMode(DatastoreMode.DATASTORE_MODE_STRICT)
                            .build())))
                    .isEqualTo(Status.Code.NOT_FOUND);
            assertThat(GrpcTestChannel.status(() -> operator.setBallastOverride(SetBallastOverrideRequest.newBuilder()
                            .setDiskId("disk-g2")
                            .setBallastBytes(41 * GIB)
                            .build())))
                    .as("more ballast than the disk")
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(GrpcTestChannel.status(() -> orchestrator.placeDisk(PlaceDiskRequest.newBuilder()
                            .setDesignatedBytes(40 * GIB)
                            .setExpectedUtilizedBytes(9 * GIB)
                            .setProfile("never-published")
                            .build())))
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(GrpcTestChannel.status(() -> orchestrator.setExportBound(SetExportBoundRequest.newBuilder()
                            .setVmId("vm-g2")
                            .setBytes(-1)
                            .build())))
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(GrpcTestChannel.status(() -> viewer.getGrowth(GetGrowthRequest.newBuilder()
                            .setGrowthId("no-such-growth")
                            .build())))
                    .isEqualTo(Status.Code.NOT_FOUND);
            assertThat(GrpcTestChannel.status(() -> viewer.setBallastOverride(SetBallastOverrideRequest.newBuilder()
                            .setDiskId("disk-g2")
                            .build())))
                    .isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(GrpcTestChannel.status(() -> operator.requestGrowth(RequestGrowthRequest.newBuilder()
                            .setDiskId("no-such-disk")
                            .setAdditionalBytes(GIB)
                            .build())))
                    .as("an operator may ask for growth")
                    .isEqualTo(Status.Code.NOT_FOUND);
            assertThat(GrpcTestChannel.status(() -> operator.placeDisk(PlaceDiskRequest.newBuilder()
                            .setDesignatedBytes(GIB)
                            .build())))
                    .isEqualTo(Status.Code.PERMISSION_DENIED);
        }
    }

    private ReservationServiceGrpc.ReservationServiceBlockingStub stub(String role) {
        return GrpcTestChannel.as(ReservationServiceGrpc.newBlockingStub(channel.channel()), role);
    }

    private static boolean found(ReservationServiceGrpc.ReservationServiceBlockingStub stub, String disk) {
        return GrpcTestChannel.status(() -> stub.getBudget(
                        GetBudgetRequest.newBuilder().setDiskId(disk).build()))
                == Status.Code.OK;
    }
}
