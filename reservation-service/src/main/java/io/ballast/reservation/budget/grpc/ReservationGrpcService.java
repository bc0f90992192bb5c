package io.ballast.reservation.budget.grpc;

import com.google.protobuf.Timestamp;
import io.ballast.proto.reservation.v1.AbortMigrationRequest;
import io.ballast.proto.reservation.v1.AbortMigrationResponse;
import io.ballast.proto.reservation.v1.BallastState;
import io.ballast.proto.reservation.v1.Budget;
import io.ballast.proto.reservation.v1.CommitMigrationRequest;
import io.ballast.proto.reservation.v1.CommitMigrationResponse;
import io.ballast.proto.reservation.v1.DatastoreLedger;
import io.ballast.proto.reservation.v1.DiskDestination;
import io.ballast.proto.reservation.v1.GetBudgetRequest;
import io.ballast.proto.reservation.v1.GetBudgetResponse;
import io.ballast.proto.reservation.v1.GetDatastoreLedgerRequest;
import io.ballast.proto.reservation.v1.GetDatastoreLedgerResponse;
import io.ballast.proto.reservation.v1.GrowthOutcome;
import io.ballast.proto.reservation.v1.Hold;
import io.ballast.proto.reservation.v1.ListBudgetsRequest;
import io.ballast.proto.reservation.v1.ListBudgetsResponse;
import io.ballast.proto.reservation.v1.MutinyReservationServiceGrpc;
import io.ballast.proto.reservation.v1.PrepareMigrationRequest;
import io.ballast.proto.reservation.v1.PrepareMigrationResponse;
import io.ballast.proto.reservation.v1.RequestGrowthRequest;
import io.ballast.proto.reservation.v1.RequestGrowthResponse;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.Growth;
import io.ballast.reservation.budget.InvariantTerms;
import io.ballast.reservation.budget.Migration;
import io.ballast.reservation.budget.Mode;
import io.ballast.reservation.budget.store.BudgetRequests;
import io.ballast.reservation.budget.store.BudgetRequests.Destination;
import io.ballast.support.errors.Refusal;
import io.ballast.support.security.Roles;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * {@code ballast.reservation.v1.ReservationService} for internal callers (the libvirt hook, inventory, orchestrator
 * plugins): the same requests as the REST interface, through {@link BudgetRequests}, the same roles, and refusals as
 * the status codes the contract promises. A migration's holds in the answer are those its targets placed.
 */
@GrpcService
@Blocking
public class ReservationGrpcService extends MutinyReservationServiceGrpc.ReservationServiceImplBase {

    private static final int DEFAULT_PAGE = 100;

    private final BudgetRequests requests;

    ReservationGrpcService(BudgetRequests requests) {
        this.requests = requests;
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetBudgetResponse> getBudget(GetBudgetRequest request) {
        Disk disk = requests.disk(request.getDiskId()).disk();
        return answer(GetBudgetResponse.newBuilder().setBudget(budget(disk)).build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<ListBudgetsResponse> listBudgets(ListBudgetsRequest request) {
        int pageSize = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
        if (pageSize > BudgetRequests.MAX_PAGE) {
            throw new Refusal.InvalidInput("page_size", "must be at most " + BudgetRequests.MAX_PAGE);
        }
        Datastore datastore = requests.datastore(request.getDatastoreId());
        List<Disk> after = datastore.disks().stream()
                .filter(disk -> disk.id().compareTo(request.getPageToken()) > 0)
                .sorted(Comparator.comparing(Disk::id))
                .toList();
        List<Disk> page = after.stream().limit(pageSize).toList();
        ListBudgetsResponse.Builder response = ListBudgetsResponse.newBuilder();
        page.forEach(disk -> response.addBudgets(budget(disk)));
        if (after.size() > pageSize) {
            response.setNextPageToken(page.getLast().id());
        }
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetDatastoreLedgerResponse> getDatastoreLedger(GetDatastoreLedgerRequest request) {
        Datastore datastore = requests.datastore(request.getDatastoreId());
        InvariantTerms terms = datastore.terms();
        return answer(GetDatastoreLedgerResponse.newBuilder()
                .setLedger(DatastoreLedger.newBuilder()
                        .setDatastoreId(datastore.id())
                        .setCapacityBytes(terms.capacityBytes())
                        .setReserveBytes(terms.reserveBytes())
                        .setWorstCaseDemandBytes(terms.worstCaseDemandBytes())
                        .setOtherBytes(terms.otherBytes())
                        .setHoldBytes(terms.holdBytes())
                        .setHeadroomBytes(terms.headroomBytes())
                        .setRatio(datastore.policy().mode() instanceof Mode.Relaxed relaxed ? relaxed.ratio() : 1.0))
                .build());
    }

    @Override
    @RolesAllowed(Roles.ORCHESTRATOR)
    public Uni<RequestGrowthResponse> requestGrowth(RequestGrowthRequest request) {
        if (request.getAdditionalBytes() <= 0) {
            throw new Refusal.InvalidInput(
                    "additional_bytes",
                    "must be positive and at most " + Long.MAX_VALUE + ", not "
                            + Long.toUnsignedString(request.getAdditionalBytes()));
        }
        Growth growth = requests.requestGrowth(Optional.empty(), request.getDiskId(), request.getAdditionalBytes());
        GrowthOutcome outcome =
                switch (growth.state()) {
                    case GRANTED -> GrowthOutcome.GROWTH_OUTCOME_GRANTED;
                    case PENDING -> GrowthOutcome.GROWTH_OUTCOME_PENDING;
                    case REFUSED, EXPIRED -> GrowthOutcome.GROWTH_OUTCOME_REFUSED;
                };
        String detail = growth.detail()
                + growth.recommendation()
                        .map(r -> "; recommended: move VM " + r.vmId() + " to datastore " + r.toDatastoreId() + " ("
                                + r.bytesToMove() + " bytes)")
                        .orElse("")
                + " (growth " + growth.id() + ")";
        return answer(RequestGrowthResponse.newBuilder()
                .setOutcome(outcome)
                .setGrantedBytes(growth.state() == Growth.State.GRANTED ? growth.additionalBytes() : 0)
                .setDetail(detail)
                .build());
    }

    @Override
    @RolesAllowed(Roles.ORCHESTRATOR)
    public Uni<PrepareMigrationResponse> prepareMigration(PrepareMigrationRequest request) {
        if (request.getTtlSeconds() == 0) {
            throw new Refusal.InvalidInput("ttl_seconds", "must be 1 to 86400");
        }
        List<Destination> destinations = request.getDisksList().stream()
                .map((DiskDestination d) -> new Destination(d.getDiskId(), d.getToDatastoreId()))
                .toList();
        List<Migration> migration = requests.prepareMigration(
                Optional.empty(), destinations, Duration.ofSeconds(Integer.toUnsignedLong(request.getTtlSeconds())));
        PrepareMigrationResponse.Builder response = PrepareMigrationResponse.newBuilder()
                .setMigrationId(migration.getFirst().id());
        for (Migration disk : migration) {
            if (disk.state() == Migration.State.PREPARED) {
                response.addHolds(Hold.newBuilder()
                        .setHoldId(disk.holdId())
                        .setDatastoreId(disk.toDatastoreId())
                        .setBytes(disk.needBytes())
                        .setExpiresAt(timestamp(disk.expiresAt())));
            }
        }
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.ORCHESTRATOR)
    public Uni<CommitMigrationResponse> commitMigration(CommitMigrationRequest request) {
        requests.commitMigration(request.getMigrationId());
        return answer(CommitMigrationResponse.getDefaultInstance());
    }

    @Override
    @RolesAllowed(Roles.ORCHESTRATOR)
    public Uni<AbortMigrationResponse> abortMigration(AbortMigrationRequest request) {
        requests.abortMigration(request.getMigrationId());
        return answer(AbortMigrationResponse.getDefaultInstance());
    }

    static Budget budget(Disk disk) {
        return Budget.newBuilder()
                .setDiskId(disk.id())
                .setDatastoreId(disk.datastoreId())
                .setDesignatedBytes(disk.designatedBytes())
                .setEffectiveBytes(disk.effectiveBytes())
                .setBallastBytes(disk.countedBallastBytes())
                .setUnreclaimedBytes(disk.unreclaimedBytes())
                .setOverheadBytes(disk.overheadBytes())
                .setState(
                        switch (disk.state()) {
                            case STEADY -> BallastState.BALLAST_STATE_STEADY;
                            case INFLATING -> BallastState.BALLAST_STATE_INFLATING;
                            case RECLAIMING -> BallastState.BALLAST_STATE_RECLAIMING;
                            case DEFLATING -> BallastState.BALLAST_STATE_DEFLATING;
                            case FROZEN -> BallastState.BALLAST_STATE_FROZEN;
                        })
                .setGeneration(disk.generation())
                .build();
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder()
                .setSeconds(at.getEpochSecond())
                .setNanos(at.getNano())
                .build();
    }

    private static <T> Uni<T> answer(T response) {
        return Uni.createFrom().item(response);
    }
}
