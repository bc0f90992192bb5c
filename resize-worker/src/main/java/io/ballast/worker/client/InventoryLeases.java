package io.ballast.worker.client;

import com.google.protobuf.Timestamp;
import io.ballast.proto.inventory.v1.AcquireVmLeaseRequest;
import io.ballast.proto.inventory.v1.InventoryServiceGrpc;
import io.ballast.proto.inventory.v1.ReleaseVmLeaseRequest;
import io.ballast.proto.inventory.v1.RenewVmLeaseRequest;
import io.ballast.proto.inventory.v1.VmLease;
import io.ballast.support.grpc.BearerToken;
import io.ballast.worker.config.WorkerConfig;
import io.ballast.worker.lease.VmLeases;
import io.ballast.worker.lease.store.PostgresLeaseFence;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * {@link VmLeases} from the inventory service over gRPC ({@code quarkus.grpc.clients.inventory}), calling with the
 * worker's bearer token ({@code ballast.worker.inventory-token-file}). A granted lease raises the VM's fence in the
 * worker's schema ({@link PostgresLeaseFence}) before it is handed out, so the worker's job record writes under an
 * older token are refused from then on.
 */
@ApplicationScoped
public class InventoryLeases implements VmLeases {

    private static final Logger LOG = Logger.getLogger(InventoryLeases.class);

    /** How long one call to inventory may take before it counts as unreachable. */
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    /** The longest wait between two attempts to release a lease while inventory cannot be reached. */
    private static final Duration RETRY_CAP = Duration.ofSeconds(30);

    private final InventoryServiceGrpc.InventoryServiceBlockingStub inventory;
    private final PostgresLeaseFence fence;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("lease-release").factory());
    private final Set<Lease> unreleased = ConcurrentHashMap.newKeySet();

    InventoryLeases(
            @GrpcClient("inventory") InventoryServiceGrpc.InventoryServiceBlockingStub inventory,
            WorkerConfig config,
            PostgresLeaseFence fence) {
        this.inventory = inventory.withCallCredentials(BearerToken.fromFile(
                config.inventoryTokenFile(), "ballast.worker.inventory-token-file (BALLAST_INVENTORY_TOKEN_FILE)"));
        this.fence = fence;
    }

    @Override
    public Lease acquire(String vmId, String holder, Duration ttl) throws Refused {
        Lease lease;
        try {
            lease = lease(call().acquireVmLease(AcquireVmLeaseRequest.newBuilder()
                            .setVmId(vmId)
                            .setHolder(holder)
                            .setTtlSeconds(seconds(ttl))
                            .build())
                    .getLease());
        } catch (StatusRuntimeException e) {
            throw new Refused("inventory did not lease VM " + vmId + ": " + reason(e), unreachable(e));
        }
        boolean raised;
        try {
            raised = fence.raise(lease);
        } catch (RuntimeException e) {
            release(lease);
            throw e;
        }
        if (!raised) {
            release(lease);
            throw new Refused(
                    "inventory granted VM " + vmId + " under token " + lease.token() + ", older than one this"
                            + " worker's records were written under (was inventory's database restored?); not used",
                    false);
        }
        return lease;
    }

    @Override
    public Lease renew(Lease lease, Duration ttl) {
        try {
            return lease(call().renewVmLease(RenewVmLeaseRequest.newBuilder()
                            .setVmId(lease.vmId())
                            .setFencingToken(lease.token())
                            .setTtlSeconds(seconds(ttl))
                            .build())
                    .getLease());
        } catch (StatusRuntimeException e) {
            if (refusal(e)) {
                throw new Lost("inventory refused to renew the lease on VM " + lease.vmId() + " (token " + lease.token()
                        + "): " + reason(e));
            }
            throw new Unreachable(
                    "inventory could not be asked to renew the lease on VM " + lease.vmId() + ": " + reason(e), e);
        }
    }

    /**
     * Gives the lease up. While inventory cannot be reached (restarting, say), it is asked again in the background,
     * waiting longer each time (up to 30 s), until the lease would have ended by itself, and once more when the
     * worker stops: the VM is not held for the rest of its time to live because inventory was away when a job ended.
     */
    @Override
    public void release(Lease lease) {
        release(lease, Duration.ofSeconds(1));
    }

    private void release(Lease lease, Duration wait) {
        try {
            releaseAtInventory(lease);
            unreleased.remove(lease);
        } catch (StatusRuntimeException e) {
            if (unreachable(e) && Instant.now().plus(wait).isBefore(lease.expiresAt())) {
                Duration next = wait.multipliedBy(2).compareTo(RETRY_CAP) > 0 ? RETRY_CAP : wait.multipliedBy(2);
                unreleased.add(lease);
                try {
                    retries.schedule(() -> release(lease, next), wait.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.infof(
                            "lease release vm=%s token=%d unreachable (%s); asking again in %ds",
                            lease.vmId(), lease.token(), reason(e), wait.toSeconds());
                    return;
                } catch (RejectedExecutionException stopping) {
                    // the worker is stopping: it asks once more for each lease not released yet
                    return;
                }
            }
            unreleased.remove(lease);
            LOG.warnf(
                    "lease release failed vm=%s token=%d reason=%s; it ends when it expires at %s",
                    lease.vmId(), lease.token(), reason(e), lease.expiresAt());
        }
    }

    /** The worker stops: the releases still waiting for inventory are asked for once more, now. */
    @PreDestroy
    void stop() {
        retries.shutdownNow();
        for (Lease lease : List.copyOf(unreleased)) {
            try {
                releaseAtInventory(lease);
            } catch (StatusRuntimeException e) {
                LOG.warnf(
                        "lease release failed at stop vm=%s token=%d reason=%s; it ends when it expires at %s",
                        lease.vmId(), lease.token(), reason(e), lease.expiresAt());
            }
        }
    }

    private void releaseAtInventory(Lease lease) {
        call().releaseVmLease(ReleaseVmLeaseRequest.newBuilder()
                .setVmId(lease.vmId())
                .setFencingToken(lease.token())
                .build());
    }

    private InventoryServiceGrpc.InventoryServiceBlockingStub call() {
        return inventory.withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Inventory could not be asked, or did not answer in time: asking again later may get an answer. */
    private static boolean unreachable(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    /** An answer about the lease itself, as opposed to inventory not being reachable or not letting us in. */
    private static boolean refusal(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return code == Status.Code.FAILED_PRECONDITION || code == Status.Code.NOT_FOUND;
    }

    private static String reason(StatusRuntimeException e) {
        Status status = e.getStatus();
        return status.getCode() + (status.getDescription() == null ? "" : " " + status.getDescription());
    }

    private static int seconds(Duration ttl) {
        return (int) Math.max(1, (ttl.toMillis() + 999) / 1000);
    }

    private static Lease lease(VmLease granted) {
        Timestamp end = granted.getExpiresAt();
        return new Lease(
                granted.getVmId(),
                granted.getHolder(),
                granted.getFencingToken(),
                Instant.ofEpochSecond(end.getSeconds(), end.getNanos()));
    }
}
