package io.ballast.worker.lease.store;

import io.agroal.api.AgroalDataSource;
import io.ballast.worker.lease.VmLeases;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The newest lease token the worker's schema has seen for each VM: the fence every job record write goes through.
 * A worker granted a lease raises the VM's fence to its token before it touches the VM; a record write names its
 * token and lands only while that token is still the fence ({@code PostgresJobRecords}), so a holder whose lease
 * passed to another worker can no longer write. The fence only rises: it stays after a release, so an old token
 * stays refused.
 */
@ApplicationScoped
public class PostgresLeaseFence {

    private final AgroalDataSource dataSource;

    PostgresLeaseFence(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Raises {@code lease.vmId()}'s fence to its token.
     *
     * @return false when a newer token was fenced already: this lease is stale before it is used
     */
    public boolean raise(VmLeases.Lease lease) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = prepare(connection, """
                        INSERT INTO worker.vm_fence AS f (vm_id, token, holder) VALUES (?, ?, ?)
                        ON CONFLICT (vm_id) DO UPDATE SET token = excluded.token, holder = excluded.holder,
                            fenced_at = now()
                        WHERE f.token <= excluded.token
                        RETURNING token
                        """, lease.vmId(), lease.token(), lease.holder());
                ResultSet row = statement.executeQuery()) {
            return row.next();
        } catch (SQLException e) {
            throw new StoreException("lease fence write failed: " + e.getMessage(), e);
        }
    }

    /** {@code sql} with its parameters set in order (the worker's tables are written with plain JDBC). */
    public static PreparedStatement prepare(Connection connection, String sql, Object... parameters)
            throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.setObject(i + 1, parameters[i]);
        }
        return statement;
    }

    /** The worker's tables could not be read or written. */
    public static final class StoreException extends RuntimeException {
        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
