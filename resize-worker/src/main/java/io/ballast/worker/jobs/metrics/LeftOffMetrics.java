package io.ballast.worker.jobs.metrics;

import io.ballast.worker.client.ServedHosts;
import io.ballast.worker.hypervisor.Hypervisor;
import io.ballast.worker.jobs.JobRecord;
import io.ballast.worker.jobs.JobRecords;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * {@code ballast_worker_vms_left_off{host}}: for each served host, the VMs a failed resize job powered off that are
 * still off: the job's record says it powered the VM off and did not power it on again (a resize stopped in its
 * middle, its image under the job's name), and libvirt says the domain is off now. Sending the job again, or an
 * operator starting the VM, takes it out. Counted when scraped; NaN while the job records cannot be read.
 */
@ApplicationScoped
public class LeftOffMetrics {

    private static final Logger LOG = Logger.getLogger(LeftOffMetrics.class);

    private final JobRecords records;
    private final ServedHosts hosts;
    private final MeterRegistry registry;
    private final List<Gauge> gauges = new ArrayList<>();
    /** The last failure to count, logged once until another comes. */
    private volatile String lastFailure = "";

    LeftOffMetrics(JobRecords records, ServedHosts hosts, MeterRegistry registry) {
        this.records = records;
        this.hosts = hosts;
        this.registry = registry;
    }

    void register(@Observes StartupEvent start) {
        hosts.hypervisors()
                .forEach((host, hypervisor) ->
                        gauges.add(Gauge.builder("ballast.worker.vms.left.off", () -> leftOff(host, hypervisor))
                                .tag("host", host)
                                .description("VMs a failed resize job powered off that are still off")
                                .register(registry)));
    }

    /**
     * The gauges go with the beans they read: a registry that outlives this application (a test restarting it in
     * the same JVM) would otherwise keep answering with them, and registering the same name and host again would
     * give back the old gauge.
     */
    @PreDestroy
    void unregister() {
        gauges.forEach(registry::remove);
        gauges.clear();
    }

    private double leftOff(String host, Hypervisor hypervisor) {
        try {
            long count = records.failedWithVmOff(host).stream()
                    .filter(record -> off(hypervisor, record.domain()))
                    .map(JobRecord::vmId)
                    .distinct()
                    .count();
            lastFailure = "";
            return count;
        } catch (RuntimeException e) {
            String reason = e.toString();
            if (!reason.equals(lastFailure)) {
                LOG.warnf(e, "could not count the VMs left off on host=%s; the metric is NaN until it can", host);
            }
            lastFailure = reason;
            return Double.NaN;
        }
    }

    /** Whether the domain is off now; a domain libvirt no longer knows is nobody's to start. */
    private static boolean off(Hypervisor hypervisor, String domain) {
        try {
            return hypervisor.state(domain) == Hypervisor.PowerState.OFF;
        } catch (Hypervisor.HypervisorException e) {
            return false;
        }
    }
}
