package io.ballast.reservation.budget.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ballast.local.KafkaBroker;
import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.Datastore;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.ImageFormat;
import io.ballast.proto.inventory.v1.VirtualDisk;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.reservation.v1.AbortMigrationRequest;
import io.ballast.proto.reservation.v1.CommitMigrationRequest;
import io.ballast.proto.reservation.v1.DiskDestination;
import io.ballast.proto.reservation.v1.GetBudgetRequest;
import io.ballast.proto.reservation.v1.GetDatastoreLedgerRequest;
import io.ballast.proto.reservation.v1.ListBudgetsRequest;
import io.ballast.proto.reservation.v1.PrepareMigrationRequest;
import io.ballast.proto.reservation.v1.PrepareMigrationResponse;
import io.ballast.proto.reservation.v1.RequestGrowthRequest;
import io.ballast.proto.reservation.v1.ReservationServiceGrpc;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
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
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    @InjectKafkaBroker
    KafkaBroker broker;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("localhost", RestAssured.port)
                .usePlaintext()
                .build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void budgetsMigrationsAndRefusalsAnswerAsTheContractPromises() {
        try (EventProducer inventory = EventProducer.connect(broker.bootstrapServers(), "inventory-service")) {
            for (String datastore : new String[] {"ds-g-from", "ds-g-to"}) {
                inventory.publish(
                        Topic.INVENTORY,
                        datastore,
                        DatastoreUpserted.newBuilder()
                                .setDatastore(Datastore.newBuilder()
                                        .setDatastoreId(datastore)
                                        .setCapacityBytes(50 * GIB))
                                .build());
            }
            inventory.publish(
                    Topic.INVENTORY,
                    "disk-g",
                    VirtualDiskUpserted.newBuilder()
                            .setDisk(VirtualDisk.newBuilder()
                                    .setDiskId("disk-g")
                                    .setVmId("vm-g")
                                    .setDatastoreId("ds-g-from")
                                    .setImagePath("/datastores/ds-g-from/disk-g.img")
                                    .setFormat(ImageFormat.IMAGE_FORMAT_RAW)
                                    .setDesignatedBytes(10 * GIB)
                                    .setSerial("ser-disk-g"))
                            .build());
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
        PrepareMigrationResponse prepared = orchestrator.prepareMigration(PrepareMigrationRequest.newBuilder()
                .setVmId("vm-g")
                .addDisks(DiskDestination.newBuilder().setDiskId("disk-g").setToDatastoreId("ds-g-to"))
                .setTtlSeconds(600)
                .build());
        assertThat(prepared.getHoldsList()).singleElement().satisfies(hold -> {
            assertThat(hold.getDatastoreId()).isEqualTo("ds-g-to");
            assertThat(hold.getBytes()).isEqualTo(10 * GIB);
        });
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

        assertThat(status(() -> viewer.getBudget(
                        GetBudgetRequest.newBuilder().setDiskId("no-such-disk").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(status(() -> orchestrator.requestGrowth(RequestGrowthRequest.newBuilder()
                        .setDiskId("disk-g")
                        .setAdditionalBytes(-1)
                        .build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status(() -> orchestrator.abortMigration(AbortMigrationRequest.newBuilder()
                        .setMigrationId(prepared.getMigrationId())
                        .build())))
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status(() -> viewer.requestGrowth(RequestGrowthRequest.newBuilder()
                        .setDiskId("disk-g")
                        .setAdditionalBytes(GIB)
                        .build())))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThatThrownBy(() -> ReservationServiceGrpc.newBlockingStub(channel)
                        .getBudget(GetBudgetRequest.newBuilder()
                                .setDiskId("disk-g")
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    private ReservationServiceGrpc.ReservationServiceBlockingStub stub(String role) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, Tokens.bearer(role));
        return ReservationServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static boolean found(ReservationServiceGrpc.ReservationServiceBlockingStub stub, String disk) {
        return status(() -> stub.getBudget(
                        GetBudgetRequest.newBuilder().setDiskId(disk).build()))
                == Status.Code.OK;
    }

    private static Status.Code status(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }
}
