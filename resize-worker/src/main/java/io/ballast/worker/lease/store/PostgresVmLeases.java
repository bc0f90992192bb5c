package io.ballast.worker.lease.store;

import io.agroal.api.AgroalDataSource;
import io.ballast.worker.lease.VmLeases;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link VmLeases} in the worker's schema: one row per VM. Taking a lease is a single upsert that only replaces a
 * row that has expired or is the same holder's, so two workers racing for a VM cannot both win; the token comes
 * from a sequence, so it only ever grows. Times are the database's clock, the same for every worker.
 */
@ApplicationScoped
public class PostgresVmLeases implements VmLeases {

    private final AgroalDataSource dataSource;

    PostgresVmLeases(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Optional<Lease> acquire(String vmId, String holder, Duration ttl) {
        return query("""
                INSERT INTO worker.vm_lease AS l (vm_id, holder, token, expires_at)
                VALUES (?, ?, nextval('worker.lease_token'), now() + ?::interval)
                ON CONFLICT (vm_id) DO UPDATE
                    SET holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at
                    WHERE l.expires_at <= now() OR l.holder = excluded.holder
                RETURNING vm_id, holder, token, expires_at
                """, vmId, holder, interval(ttl));
    }

    @Override
    public Optional<Lease> renew(Lease lease, Duration ttl) {
        return query("""
                UPDATE worker.vm_lease SET expires_at = now() + ?::interval
                WHERE vm_id = ? AND token = ? AND expires_at > now()
                RETURNING vm_id, holder, token, expires_at
                """, interval(ttl), lease.vmId(), lease.token());
    }

    @Override
    public void release(Lease lease) {
        update("DELETE FROM worker.vm_lease WHERE vm_id = ? AND token = ?", lease.vmId(), lease.token());
    }

    @Override
    public Optional<Lease> current(String vmId) {
        return query("SELECT vm_id, holder, token, expires_at FROM worker.vm_lease WHERE vm_id = ?", vmId);
    }

    private Optional<Lease> query(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = prepare(connection, sql, parameters);
                ResultSet row = statement.executeQuery()) {
            if (!row.next()) {
                return Optional.empty();
            }
            return Optional.of(new Lease(
                    row.getString(1),
                    row.getString(2),
                    row.getLong(3),
                    row.getTimestamp(4).toInstant()));
        } catch (SQLException e) {
            throw new StoreException("lease query failed: " + e.getMessage(), e);
        }
    }

    private void update(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = prepare(connection, sql, parameters)) {
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("lease update failed: " + e.getMessage(), e);
        }
    }

    public static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
            throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
        return statement;
    }

    private static String interval(Duration ttl) {
        return ttl.toMillis() + " milliseconds";
    }

    /** The worker's tables could not be read or written. */
    public static final class StoreException extends RuntimeException {
        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
