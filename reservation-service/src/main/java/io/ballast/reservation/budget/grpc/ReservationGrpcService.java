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
import io.ballast.proto.reservation.v1.GetGrowthRequest;
import io.ballast.proto.reservation.v1.GetGrowthResponse;
import io.ballast.proto.reservation.v1.GetMigrationRequest;
import io.ballast.proto.reservation.v1.GetMigrationResponse;
import io.ballast.proto.reservation.v1.GrowthOutcome;
import io.ballast.proto.reservation.v1.Hold;
import io.ballast.proto.reservation.v1.ListBudgetsRequest;
import io.ballast.proto.reservation.v1.ListBudgetsResponse;
import io.ballast.proto.reservation.v1.MigratingDisk;
import io.ballast.proto.reservation.v1.MigrationState;
import io.ballast.proto.reservation.v1.MutinyReservationServiceGrpc;
import io.ballast.proto.reservation.v1.PlaceDiskRequest;
import io.ballast.proto.reservation.v1.PlaceDiskResponse;
import io.ballast.proto.reservation.v1.PrepareMigrationRequest;
import io.ballast.proto.reservation.v1.PrepareMigrationResponse;
import io.ballast.proto.reservation.v1.RequestGrowthRequest;
import io.ballast.proto.reservation.v1.RequestGrowthResponse;
import io.ballast.proto.reservation.v1.SetBallastOverrideRequest;
import io.ballast.proto.reservation.v1.SetBallastOverrideResponse;
import io.ballast.proto.reservation.v1.SetDatastorePolicyRequest;
import io.ballast.proto.reservation.v1.SetDatastorePolicyResponse;
import io.ballast.proto.reservation.v1.SetExportBoundRequest;
import io.ballast.proto.reservation.v1.SetExportBoundResponse;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.DatastorePolicy;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.Growth;
import io.ballast.reservation.budget.InvariantTerms;
import io.ballast.reservation.budget.Migration;
import io.ballast.reservation.budget.Mode;
import io.ballast.reservation.budget.Placement;
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
import java.util.Map;
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
        return answer(GetDatastoreLedgerResponse.newBuilder()
                .setLedger(ledger(requests.datastore(request.getDatastoreId())))
                .build());
    }

    @Override
    @RolesAllowed({Roles.OPERATOR, Roles.ORCHESTRATOR})
    public Uni<RequestGrowthResponse> requestGrowth(RequestGrowthRequest request) {
        if (request.getAdditionalBytes() <= 0) {
            throw new Refusal.InvalidInput(
                    "additional_bytes",
                    "must be positive and at most " + Long.MAX_VALUE + ", not "
                            + Long.toUnsignedString(request.getAdditionalBytes()));
        }
        Growth growth = requests.requestGrowth(Optional.empty(), request.getDiskId(), request.getAdditionalBytes());
        return answer(RequestGrowthResponse.newBuilder()
                .setOutcome(outcome(growth))
                .setGrantedBytes(growth.state() == Growth.State.GRANTED ? growth.additionalBytes() : 0)
                .setDetail(detail(growth))
                .setGrowthId(growth.id())
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
                Optional.of(request.getMigrationId()).filter(id -> !id.isEmpty()),
                destinations,
                Duration.ofSeconds(Integer.toUnsignedLong(request.getTtlSeconds())));
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

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetMigrationResponse> getMigration(GetMigrationRequest request) {
        GetMigrationResponse.Builder response =
                GetMigrationResponse.newBuilder().setMigrationId(request.getMigrationId());
        for (Migration disk : requests.migration(request.getMigrationId())) {
            response.addDisks(MigratingDisk.newBuilder()
                    .setDiskId(disk.diskId())
                    .setFromDatastoreId(disk.fromDatastoreId())
                    .setToDatastoreId(disk.toDatastoreId())
                    .setState(
                            switch (disk.state()) {
                                case PENDING -> MigrationState.MIGRATION_STATE_PENDING;
                                case PREPARED -> MigrationState.MIGRATION_STATE_PREPARED;
                                case COMMITTED -> MigrationState.MIGRATION_STATE_COMMITTED;
                                case ABORTED -> MigrationState.MIGRATION_STATE_ABORTED;
                                case EXPIRED -> MigrationState.MIGRATION_STATE_EXPIRED;
                            })
                    .setNeedBytes(disk.needBytes())
                    .setExpiresAt(timestamp(disk.expiresAt()))
                    .setDetail(disk.detail() == null ? "" : disk.detail()));
        }
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.VIEWER)
    public Uni<GetGrowthResponse> getGrowth(GetGrowthRequest request) {
        Growth growth = requests.growth(request.getGrowthId());
        return answer(GetGrowthResponse.newBuilder()
                .setGrowthId(growth.id())
                .setDiskId(growth.diskId())
                .setOutcome(outcome(growth))
                .setAdditionalBytes(growth.additionalBytes())
                .setDetail(detail(growth))
                .build());
    }

    @Override
    @RolesAllowed(Roles.OPERATOR)
    public Uni<SetDatastorePolicyResponse> setDatastorePolicy(SetDatastorePolicyRequest request) {
        Mode mode =
                switch (request.getMode()) {
                    case DATASTORE_MODE_STRICT -> new Mode.Strict();
                    case DATASTORE_MODE_RELAXED -> {
                        if (!(request.getRatio() >= 1.0 && request.getRatio() <= Mode.Relaxed.MAX_RATIO)) {
                            throw new Refusal.InvalidInput(
                                    "ratio", "relaxed mode needs a ratio from 1 to " + Mode.Relaxed.MAX_RATIO);
                        }
                        yield new Mode.Relaxed(request.getRatio());
                    }
                    default -> throw new Refusal.InvalidInput("mode", "must be DATASTORE_MODE_STRICT or _RELAXED");
                };
        long reserve = positiveOrZero("reserve_bytes", request.getReserveBytes());
        Datastore datastore = requests.policy(request.getDatastoreId(), new DatastorePolicy(mode, reserve));
        return answer(SetDatastorePolicyResponse.newBuilder()
                .setLedger(ledger(datastore))
                .build());
    }

    @Override
    @RolesAllowed(Roles.OPERATOR)
    public Uni<SetBallastOverrideResponse> setBallastOverride(SetBallastOverrideRequest request) {
        Optional<Long> ballast = request.hasBallastBytes()
                ? Optional.of(positiveOrZero("ballast_bytes", request.getBallastBytes()))
                : Optional.empty();
        Disk disk = requests.override(request.getDiskId(), ballast).disk();
        return answer(
                SetBallastOverrideResponse.newBuilder().setBudget(budget(disk)).build());
    }

    @Override
    @RolesAllowed(Roles.ORCHESTRATOR)
    public Uni<PlaceDiskResponse> placeDisk(PlaceDiskRequest request) {
        List<Placement.Option> options = requests.placement(
                positiveOrZero("designated_bytes", request.getDesignatedBytes()),
                request.getSparse(),
                positiveOrZero("expected_utilized_bytes", request.getExpectedUtilizedBytes()),
                Optional.of(request.getProfile()),
                Optional.of(request.getDatastoreId()));
        PlaceDiskResponse.Builder response = PlaceDiskResponse.newBuilder();
        for (Placement.Option option : options) {
            response.addPlacements(io.ballast.proto.reservation.v1.Placement.newBuilder()
                    .setDatastoreId(option.datastoreId())
                    .setFits(option.fits())
                    .setEffectiveBytes(option.effectiveBytes())
                    .setBallastBytes(option.ballastBytes())
                    .setRoomAfterBytes(option.roomAfterBytes())
                    .setCreatesWithinHeadroom(option.createsWithinHeadroom()));
        }
        return answer(response.build());
    }

    @Override
    @RolesAllowed(Roles.ORCHESTRATOR)
    public Uni<SetExportBoundResponse> setExportBound(SetExportBoundRequest request) {
        Map<String, Long> ballasts =
                requests.exportBound(request.getVmId(), positiveOrZero("bytes", request.getBytes()));
        return answer(
                SetExportBoundResponse.newBuilder().putAllBallastBytes(ballasts).build());
    }

    /** A uint64 field as the byte count it means; one past {@link Long#MAX_VALUE} is no size. */
    private static long positiveOrZero(String field, long unsigned) {
        if (unsigned < 0) {
            throw new Refusal.InvalidInput(
                    field, "must be at most " + Long.MAX_VALUE + ", not " + Long.toUnsignedString(unsigned));
        }
        return unsigned;
    }

    private static GrowthOutcome outcome(Growth growth) {
        return switch (growth.state()) {
            case GRANTED -> GrowthOutcome.GROWTH_OUTCOME_GRANTED;
            case PENDING -> GrowthOutcome.GROWTH_OUTCOME_PENDING;
            case REFUSED, EXPIRED -> GrowthOutcome.GROWTH_OUTCOME_REFUSED;
        };
    }

    private static String detail(Growth growth) {
        return growth.detail()
                + growth.recommendation()
                        .map(r -> "; recommended: move VM " + r.vmId() + " to datastore " + r.toDatastoreId() + " ("
                                + r.bytesToMove() + " bytes)")
                        .orElse("")
                + " (growth " + growth.id() + ")";
    }

    private static DatastoreLedger ledger(Datastore datastore) {
        InvariantTerms terms = datastore.terms();
        return DatastoreLedger.newBuilder()
                .setDatastoreId(datastore.id())
                .setCapacityBytes(terms.capacityBytes())
                .setReserveBytes(terms.reserveBytes())
                .setWorstCaseDemandBytes(terms.worstCaseDemandBytes())
                .setOtherBytes(terms.otherBytes())
                .setHoldBytes(terms.holdBytes())
                .setHeadroomBytes(terms.headroomBytes())
                .setRatio(datastore.policy().mode() instanceof Mode.Relaxed relaxed ? relaxed.ratio() : 1.0)
                .build();
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
