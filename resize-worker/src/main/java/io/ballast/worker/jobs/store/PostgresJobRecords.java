package io.ballast.worker.jobs.store;

import io.agroal.api.AgroalDataSource;
import io.ballast.worker.jobs.JobRecord;
import io.ballast.worker.jobs.JobRecords;
import io.ballast.worker.jobs.JobStep;
import io.ballast.worker.lease.store.PostgresLeaseFence;
import io.ballast.worker.resize.journal.ResizeJson;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link JobRecords} in the worker's schema. An update only lands while the fence of the job's VM
 * ({@link PostgresLeaseFence}) is still the record's token: once the lease passed to another worker, the old holder
 * can no longer write.
 */
@ApplicationScoped
public class PostgresJobRecords implements JobRecords {

    private static final String COLUMNS = "job_id, host_id, vm_id, disk_id, domain, image_path, job_image, options,"
            + " state, step, was_running, powered_off, detail, lease_token";

    private final AgroalDataSource dataSource;

    PostgresJobRecords(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public void insert(JobRecord record) {
        execute(
                "INSERT INTO worker.resize_job (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                record.jobId(),
                record.hostId(),
                record.vmId(),
                record.diskId(),
                record.domain(),
                record.image().toString(),
                record.jobImage().toString(),
                ResizeJson.write(record.options()),
                record.state().name(),
                record.step().wireName(),
                record.wasRunning(),
                record.poweredOff(),
                record.detail(),
                record.leaseToken());
    }

    @Override
    public boolean update(JobRecord record) {
        return execute(
                        """
                        UPDATE worker.resize_job SET state = ?, step = ?, was_running = ?, powered_off = ?, detail = ?,
                            lease_token = ?, updated_at = now()
                        WHERE job_id = ?
                          AND EXISTS (SELECT 1 FROM worker.vm_fence f WHERE f.vm_id = worker.resize_job.vm_id AND f.token = ? FOR SHARE)
                        """,
                        record.state().name(),
                        record.step().wireName(),
                        record.wasRunning(),
                        record.poweredOff(),
                        record.detail(),
                        record.leaseToken(),
                        record.jobId(),
                        record.leaseToken())
                == 1;
    }

    @Override
    public Optional<JobRecord> find(String jobId) {
        List<JobRecord> found = select("SELECT " + COLUMNS + " FROM worker.resize_job WHERE job_id = ?", jobId);
        return found.stream().findFirst();
    }

    @Override
    public List<JobRecord> failedWithVmOff(String hostId) {
        return select(
                "SELECT " + COLUMNS + " FROM worker.resize_job WHERE host_id = ? AND state = 'FAILED' AND powered_off"
                        + " ORDER BY updated_at",
                hostId);
    }

    @Override
    public List<JobRecord> running(String hostId) {
        return select(
                "SELECT " + COLUMNS
                        + " FROM worker.resize_job WHERE host_id = ? AND state = 'RUNNING' ORDER BY updated_at",
                hostId);
    }

    private int execute(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = PostgresLeaseFence.prepare(connection, sql, parameters)) {
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw new PostgresLeaseFence.StoreException("resize job record write failed: " + e.getMessage(), e);
        }
    }

    private List<JobRecord> select(String sql, Object... parameters) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = PostgresLeaseFence.prepare(connection, sql, parameters);
                ResultSet row = statement.executeQuery()) {
            List<JobRecord> records = new ArrayList<>();
            while (row.next()) {
                records.add(new JobRecord(
                        row.getString(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        row.getString(5),
                        Path.of(row.getString(6)),
                        Path.of(row.getString(7)),
                        ResizeJson.readOptions(row.getString(8)),
                        JobRecord.State.valueOf(row.getString(9)),
                        JobStep.fromWire(row.getString(10)),
                        row.getBoolean(11),
                        row.getBoolean(12),
                        row.getString(13),
                        row.getLong(14)));
            }
            return records;
        } catch (SQLException e) {
            throw new PostgresLeaseFence.StoreException("resize job record read failed: " + e.getMessage(), e);
        }
    }
}
