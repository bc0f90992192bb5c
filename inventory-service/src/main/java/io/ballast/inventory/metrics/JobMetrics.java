package io.ballast.inventory.metrics;

import io.agroal.api.AgroalDataSource;
import io.ballast.inventory.job.Job;
import io.ballast.inventory.report.Reports;
import io.ballast.inventory.report.store.ReportQueries;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Jobs and savings as metrics: {@code ballast_inventory_jobs{kind,state}} counted in the database at each scrape,
 * and {@code ballast_inventory_projected_savings_bytes{profile}} from the savings report, refreshed on a period
 * (working it out reads every layout, too much for every scrape).
 */
@ApplicationScoped
public class JobMetrics {

    private static final Logger LOG = Logger.getLogger(JobMetrics.class);

    private final AgroalDataSource dataSource;
    private final MeterRegistry registry;
    private final ReportQueries reports;
    private MultiGauge savings;

    JobMetrics(AgroalDataSource dataSource, MeterRegistry registry, ReportQueries reports) {
        this.dataSource = dataSource;
        this.registry = registry;
        this.reports = reports;
    }

    void register(@Observes StartupEvent start) {
        for (Job.Kind kind : Job.Kind.values()) {
            for (Job.State state : Job.State.values()) {
                Gauge.builder("ballast_inventory_jobs", () -> count(kind, state))
                        .description("Jobs inventory sent to workers, by kind and state")
                        .tags("kind", kind.name(), "state", state.name())
                        .register(registry);
            }
        }
        savings = MultiGauge.builder("ballast_inventory_projected_savings_bytes")
                .description("What right-sizing every disk by its VM's profile would save, by profile")
                .register(registry);
    }

    @Scheduled(
            identity = "ballast-inventory-savings-metric",
            every = "${ballast.inventory.reports.savings-metric-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refreshSavings() {
        List<Reports.ProfileSavingsRow> profiles = reports.savings().profiles();
        savings.register(
                profiles.stream()
                        .map(row -> MultiGauge.Row.of(Tags.of("profile", row.profile()), row.projectedBytes()))
                        .toList(),
                true);
    }

    private double count(Job.Kind kind, Job.State state) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT count(*) FROM inventory.job WHERE kind = ? AND state = ?")) {
            statement.setString(1, kind.name());
            statement.setString(2, state.name());
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            LOG.debugf("could not count jobs for a metric: %s", e.getMessage());
            return Double.NaN;
        }
    }
}
