package io.ballast.inventory.client;

import com.google.protobuf.Timestamp;
import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.migration.VmMigration;
import io.ballast.proto.reservation.v1.AbortMigrationRequest;
import io.ballast.proto.reservation.v1.CommitMigrationRequest;
import io.ballast.proto.reservation.v1.DiskDestination;
import io.ballast.proto.reservation.v1.GetMigrationRequest;
import io.ballast.proto.reservation.v1.MigratingDisk;
import io.ballast.proto.reservation.v1.MigrationState;
import io.ballast.proto.reservation.v1.PrepareMigrationRequest;
import io.ballast.proto.reservation.v1.ReservationServiceGrpc;
import io.ballast.support.errors.Refusal;
import io.ballast.support.grpc.BearerToken;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A VM's migration at reservation-service, over gRPC ({@code quarkus.grpc.clients.reservation}), called with
 * inventory's own token ({@code ballast.inventory.reservation-token-file}, role {@code orchestrator}).
 */
@ApplicationScoped
public class ReservationMigrations {

    /** How long one call to reservation-service may take before it counts as unreachable; less when less is left. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final ReservationServiceGrpc.ReservationServiceBlockingStub reservation;

    ReservationMigrations(
            @GrpcClient("reservation") ReservationServiceGrpc.ReservationServiceBlockingStub reservation,
            InventoryConfig config) {
        this.reservation = reservation.withCallCredentials(BearerToken.fromFile(
                config.reservationTokenFile(),
                "ballast.inventory.reservation-token-file (BALLAST_RESERVATION_TOKEN_FILE)"));
    }

    /** One disk of a migration as reservation-service records it. */
    public record Disk(
            String diskId,
            String toDatastoreId,
            MigrationState state,
            long needBytes,
            Instant expiresAt,
            String detail) {}

    /**
     * Prepares {@code migration}'s holds for {@code ttl}: asked again under the same id, it answers as it stands. The
     * calls end by {@code until}.
     */
    public List<Disk> prepare(VmMigration migration, Duration ttl, Instant until) {
        PrepareMigrationRequest.Builder request = PrepareMigrationRequest.newBuilder()
                .setMigrationId(migration.migrationId())
                .setVmId(migration.vmId())
                .setFromHostId(migration.fromHostId())
                .setToHostId(migration.toHostId())
                .setTtlSeconds((int) Math.max(1, ttl.toSeconds()));
        for (VmMigration.Move move : migration.disks()) {
            request.addDisks(
                    DiskDestination.newBuilder().setDiskId(move.diskId()).setToDatastoreId(move.toDatastoreId()));
        }
        call("prepare migration " + migration.migrationId(), () -> stub(until).prepareMigration(request.build()));
        return get(migration.migrationId(), until);
    }

    /** Each disk of the migration as it stands, asked by {@code until}. */
    public List<Disk> get(String migrationId, Instant until) {
        return call("read migration " + migrationId, () -> stub(until)
                        .getMigration(GetMigrationRequest.newBuilder()
                                .setMigrationId(migrationId)
                                .build()))
                .getDisksList()
                .stream()
                .map(ReservationMigrations::disk)
                .toList();
    }

    /** Commits the migration: budgets move to the targets. Idempotent. */
    public void commit(String migrationId) {
        call("commit migration " + migrationId, () -> stub(Instant.now().plus(DEADLINE))
                .commitMigration(CommitMigrationRequest.newBuilder()
                        .setMigrationId(migrationId)
                        .build()));
    }

    /**
     * Aborts the migration: its holds are released. Idempotent, also after they expired.
     *
     * @return false when reservation-service knows no such migration (never prepared, or ended and forgotten)
     */
    public boolean abort(String migrationId) {
        try {
            stub(Instant.now().plus(DEADLINE))
                    .abortMigration(AbortMigrationRequest.newBuilder()
                            .setMigrationId(migrationId)
                            .build());
            return true;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return false;
            }
            throw refusal("abort migration " + migrationId, e);
        }
    }

    private ReservationServiceGrpc.ReservationServiceBlockingStub stub(Instant until) {
        long millis = Math.min(
                DEADLINE.toMillis(), Duration.between(Instant.now(), until).toMillis());
        return reservation.withDeadlineAfter(Math.max(1, millis), TimeUnit.MILLISECONDS);
    }

    private static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw refusal(what, e);
        }
    }

    /**
     * Reservation's answer in inventory's terms: its refusals (an unknown disk or migration among them) as {@link
     * Refusal.FailedPrecondition}, a concurrent change as {@link Refusal.Aborted} (ask again), no answer in time as
     * {@link Refusal.Unavailable}, and a call it would not take (no token, a wrong role) as a failure of this service.
     */
    private static RuntimeException refusal(String what, StatusRuntimeException e) {
        Status status = e.getStatus();
        String reason = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        return switch (status.getCode()) {
            case FAILED_PRECONDITION, INVALID_ARGUMENT, NOT_FOUND ->
                new Refusal.FailedPrecondition("reservation-service refused to " + what + ": " + reason);
            case ABORTED -> new Refusal.Aborted("reservation-service could not " + what + " now: " + reason);
            case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED ->
                new Refusal.Unavailable(
                        "reservation-service could not " + what + ": " + status.getCode() + " " + reason);
            default ->
                new IllegalStateException(
                        "reservation-service would not " + what + ": " + status.getCode() + " " + reason, e);
        };
    }

    private static Disk disk(MigratingDisk disk) {
        Timestamp end = disk.getExpiresAt();
        MigrationState state = disk.getState();
        if (state == MigrationState.MIGRATION_STATE_UNSPECIFIED || state == MigrationState.UNRECOGNIZED) {
            throw new IllegalStateException(
                    "reservation-service answered a state this inventory does not know for disk " + disk.getDiskId()
                            + ": " + disk.getStateValue());
        }
        return new Disk(
                disk.getDiskId(),
                disk.getToDatastoreId(),
                state,
                disk.getNeedBytes(),
                Instant.ofEpochSecond(end.getSeconds(), end.getNanos()),
                disk.getDetail());
    }
}
