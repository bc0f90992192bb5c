package io.ballast.inventory.metrics;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jboss.logging.Logger;

/**
 * How much of the fleet inventory knows, counted in the database when scraped (so every instance reports the same):
 * {@code ballast_inventory_hosts}, {@code ballast_inventory_vms} and {@code ballast_inventory_disks}, gone ones left
 * out. A scrape while the database is away reports NaN rather than failing.
 */
@ApplicationScoped
public class FleetMetrics {

    private static final Logger LOG = Logger.getLogger(FleetMetrics.class);

    private final AgroalDataSource dataSource;
    private final MeterRegistry registry;

    FleetMetrics(AgroalDataSource dataSource, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.registry = registry;
    }

    void register(@Observes StartupEvent start) {
        gauge("ballast_inventory_hosts", "Hosts inventory knows (not gone)", "host");
        gauge("ballast_inventory_vms", "VMs inventory knows (not gone)", "vm");
        gauge("ballast_inventory_disks", "Virtual disks inventory knows (not gone)", "virtual_disk");
    }

    private void gauge(String name, String description, String table) {
        String count = "SELECT count(*) FROM inventory." + table + " WHERE gone_at IS NULL";
        Gauge.builder(name, () -> count(count)).description(description).register(registry);
    }

    private double count(String sql) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            LOG.debugf("could not count for a metric: %s", e.getMessage());
            return Double.NaN;
        }
    }
}
