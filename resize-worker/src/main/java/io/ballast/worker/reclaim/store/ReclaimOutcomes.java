package io.ballast.worker.reclaim.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.agroal.api.AgroalDataSource;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The answer this worker gave to each reclaim job, in its schema: a job id answered before is answered the same way
 * again and punches nothing, however it came back (a redelivery, a resend).
 */
@ApplicationScoped
public class ReclaimOutcomes {

    private final AgroalDataSource dataSource;

    ReclaimOutcomes(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The {@link JobFinished} or {@link JobFailed} the job was answered with, if it was. */
    public Optional<Message> find(String jobId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT kind, outcome FROM worker.reclaim_job WHERE job_id = ?")) {
            select.setString(1, jobId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                byte[] bytes = row.getBytes(2);
                return Optional.of(
                        row.getString(1).equals("finished")
                                ? JobFinished.parseFrom(bytes)
                                : JobFailed.parseFrom(bytes));
            }
        } catch (SQLException | InvalidProtocolBufferException e) {
            throw new IllegalStateException(
                    "cannot read the outcome of reclaim job " + jobId + ": " + e.getMessage(), e);
        }
    }

    /** Records the answer to a job, before it is sent; a second answer to the same id keeps the first. */
    public void record(String jobId, String diskId, Message outcome) {
        String kind =
                switch (outcome) {
                    case JobFinished finished -> "finished";
                    case JobFailed failed -> "failed";
                    default ->
                        throw new IllegalArgumentException(
                                "a reclaim job is answered with JobFinished or" + " JobFailed, not "
                                        + outcome.getDescriptorForType().getName());
                };
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO worker.reclaim_job (job_id, disk_id, kind, outcome) VALUES (?, ?, ?, ?)"
                                + " ON CONFLICT (job_id) DO NOTHING")) {
            insert.setString(1, jobId);
            insert.setString(2, diskId);
            insert.setString(3, kind);
            insert.setBytes(4, outcome.toByteArray());
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot record the outcome of reclaim job " + jobId + ": " + e.getMessage(), e);
        }
    }
}
