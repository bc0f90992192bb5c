package io.ballast.inventory.lease.store;

import io.ballast.inventory.lease.Lease;
import io.ballast.inventory.store.NativeRows;
import io.ballast.support.errors.Refusal;
import io.ballast.support.inventory.JobLeaseHolder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * VM leases with fencing tokens. Taking one is a single upsert that replaces only an expired lease or the same
 * holder's (a restarted holder takes back its own, with a new token), so two holders racing for a VM cannot both win.
 */
@ApplicationScoped
@Transactional
public class LeaseStore {

    private static final String COLUMNS = "vm_id, holder, token, expires_at";

    private final EntityManager entities;

    LeaseStore(EntityManager entities) {
        this.entities = entities;
    }

    /**
     * Grants {@code vmId}'s lease to {@code holder} for {@code ttl}.
     *
     * @throws Refusal.NotFound if inventory knows no such VM, or it is gone
     * @throws Refusal.InvalidInput if the holder is blank or the ttl is not from 1 s to {@link Lease#MAX_TTL}
     * @throws Refusal.FailedPrecondition while another holder's lease has not expired (its holder and end are named)
     */
    public Lease acquire(String vmId, String holder, Duration ttl) {
        if (holder.isBlank() || holder.length() > 200) {
            throw new Refusal.InvalidInput("holder", "must be 1 to 200 characters, e.g. resize-worker@host-1/job-42");
        }
        requireTtl(ttl);
        Number known = (Number)
                entities.createNativeQuery("SELECT count(*) FROM inventory.vm WHERE id = ?1 AND gone_at IS NULL")
                        .setParameter(1, vmId)
                        .getSingleResult();
        if (known.longValue() == 0) {
            throw new Refusal.NotFound("VM", vmId);
        }
        Optional<String> job = JobLeaseHolder.jobOf(holder);
        job.ifPresent(id -> refuseCancelledJob(vmId, id));
        Optional<Lease> granted = one(
                "INSERT INTO inventory.vm_lease AS l (vm_id, holder, token, expires_at)"
                        + " VALUES (?1, ?2, nextval('inventory.vm_lease_token'), now() + make_interval(secs => ?3))"
                        + " ON CONFLICT (vm_id) DO UPDATE SET holder = excluded.holder, token = excluded.token,"
                        + " expires_at = excluded.expires_at, acquired_at = now()"
                        + " WHERE l.expires_at <= now() OR l.holder = excluded.holder RETURNING " + COLUMNS,
                vmId,
                holder,
                seconds(ttl));
        granted.ifPresent(lease -> job.ifPresent(id -> entities.createNativeQuery(
                        "UPDATE inventory.job SET leased_at = coalesce(leased_at, now()) WHERE id = CAST(?1 AS uuid)")
                .setParameter(1, id)
                .executeUpdate()));
        return granted.orElseGet(() -> {
            Lease held = current(vmId)
                    .orElseThrow(() -> new Refusal.Aborted(
                            "the lease on VM " + vmId + " changed hands while it was asked for; ask again"));
            throw new Refusal.FailedPrecondition(
                    "VM " + vmId + " is leased to " + held.holder() + " until " + held.expiresAt());
        });
    }

    /**
     * A worker asks for the lease to begin a job inventory sent: refused when the job was cancelled before. The job's
     * row is locked, so a cancel and this grant happen one after the other, never both; a grant marks the job leased
     * ({@code leased_at}), and a leased job is never cancelled.
     */
    private void refuseCancelledJob(String vmId, String jobId) {
        List<Object[]> rows = NativeRows.rows(
                entities, "SELECT vm_id, state FROM inventory.job WHERE id = CAST(?1 AS uuid) FOR UPDATE", jobId);
        if (rows.isEmpty()) {
            return;
        }
        Object[] job = rows.getFirst();
        if (!vmId.equals(job[0])) {
            throw new Refusal.InvalidInput("holder", "job " + jobId + " is for VM " + job[0] + ", not " + vmId);
        }
        if ("CANCELLED".equals(job[1])) {
            throw new Refusal.FailedPrecondition(
                    "job " + jobId + " was cancelled before its worker began; VM " + vmId + " is not leased for it");
        }
    }

    /**
     * Extends the lease held under {@code token} by {@code ttl} from now.
     *
     * @throws Refusal.FailedPrecondition if {@code token} is not the VM's lease any more (expired, released or
     *     superseded): its holder must stop writing
     */
    public Lease renew(String vmId, long token, Duration ttl) {
        requireTtl(ttl);
        return one(
                        "UPDATE inventory.vm_lease SET expires_at = now() + make_interval(secs => ?1)"
                                + " WHERE vm_id = ?2 AND token = ?3 AND expires_at > now() RETURNING " + COLUMNS,
                        seconds(ttl),
                        vmId,
                        token)
                .orElseThrow(() -> new Refusal.FailedPrecondition("token " + token + " holds no lease on VM " + vmId
                        + " any more (expired, released or" + " superseded)"));
    }

    /** Gives up the lease held under {@code token}; nothing when it is released, expired and taken, or superseded. */
    public void release(String vmId, long token) {
        entities.createNativeQuery("DELETE FROM inventory.vm_lease WHERE vm_id = ?1 AND token = ?2")
                .setParameter(1, vmId)
                .setParameter(2, token)
                .executeUpdate();
    }

    /** The VM's lease as it stands, expired or not. */
    public Optional<Lease> current(String vmId) {
        return one("SELECT " + COLUMNS + " FROM inventory.vm_lease WHERE vm_id = ?1", vmId);
    }

    /** Whether {@code vmId}'s lease is held now (not expired). */
    public boolean held(String vmId) {
        return one("SELECT " + COLUMNS + " FROM inventory.vm_lease WHERE vm_id = ?1 AND expires_at > now()", vmId)
                .isPresent();
    }

    private static void requireTtl(Duration ttl) {
        if (ttl.compareTo(Duration.ofSeconds(1)) < 0 || ttl.compareTo(Lease.MAX_TTL) > 0) {
            throw new Refusal.InvalidInput("ttl_seconds", "must be from 1 to " + Lease.MAX_TTL.toSeconds());
        }
    }

    private static double seconds(Duration ttl) {
        return ttl.toMillis() / 1000.0;
    }

    private Optional<Lease> one(String sql, Object... parameters) {
        List<Object[]> rows = NativeRows.rows(entities, sql, parameters);
        return rows.stream()
                .findFirst()
                .map(row -> new Lease(
                        (String) row[0], (String) row[1], ((Number) row[2]).longValue(), NativeRows.instant(row[3])));
    }
}
