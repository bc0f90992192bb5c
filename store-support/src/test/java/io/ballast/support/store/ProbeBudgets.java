package io.ballast.support.store;

import io.agroal.api.AgroalDataSource;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Topic;
import io.ballast.proto.events.v1.Envelope;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** A state change with its event, as a service writes them, for the wiring test. */
@ApplicationScoped
public class ProbeBudgets {

    private final AgroalDataSource dataSource;
    private final Outbox outbox;
    private final Inbox inbox;

    ProbeBudgets(AgroalDataSource dataSource, Outbox outbox, Inbox inbox) {
        this.dataSource = dataSource;
        this.outbox = outbox;
        this.inbox = inbox;
    }

    /** Sets the VM's budget and announces it; {@code thenFail} rolls both back after they were written. */
    @Transactional
    public Envelope setBudget(String vmId, long targetBytes, boolean thenFail) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement upsert =
                        connection.prepareStatement("INSERT INTO probe.budgets (vm_id, target_bytes) VALUES (?, ?)"
                                + " ON CONFLICT (vm_id) DO UPDATE SET target_bytes = EXCLUDED.target_bytes")) {
            upsert.setString(1, vmId);
            upsert.setLong(2, targetBytes);
            upsert.executeUpdate();
        }
        Envelope envelope = outbox.add(
                Topic.BALLAST_COMMANDS,
                Topic.vmDiskKey(vmId, "disk-1"),
                SetBallastSize.newBuilder()
                        .setVmId(vmId)
                        .setDiskId("disk-1")
                        .setMountPoint("/")
                        .setGeneration(1)
                        .setTargetBytes(targetBytes)
                        .build());
        if (thenFail) {
            throw new IllegalStateException("the change failed after writing its event");
        }
        return envelope;
    }

    /** Handles an event once per consumer. */
    @Transactional
    public boolean handle(String eventId) {
        return inbox.firstTime(eventId, "probe.budgets");
    }
}
