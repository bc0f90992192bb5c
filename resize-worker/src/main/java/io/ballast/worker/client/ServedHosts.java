package io.ballast.worker.client;

import io.ballast.support.inventory.HostIds;
import io.ballast.worker.config.WorkerConfig;
import io.ballast.worker.hypervisor.Hypervisor;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedMap;
import org.jboss.logging.Logger;

/**
 * The hypervisor hosts whose jobs this worker runs, each by the id jobs name it with. Its own host is
 * {@code ballast.worker.host-id} on {@code ballast.worker.libvirt-uri}. Each URI of {@code ballast.worker.other-hosts}
 * adds a host whose images this worker reaches too (the local stack's simulated hosts, all on one machine), named as
 * inventory names the host it discovers at that URI ({@link HostIds}): its hypervisor is asked for its host name at
 * start, and a URI that cannot be reached, or that names a host twice, keeps the worker from starting.
 */
@ApplicationScoped
public class ServedHosts {

    private static final Logger LOG = Logger.getLogger(ServedHosts.class);

    private final SequencedMap<String, Hypervisor> hosts = new LinkedHashMap<>();
    private final List<LibvirtHypervisor> opened = new ArrayList<>();

    ServedHosts(WorkerConfig config, LibvirtHypervisor own) {
        hosts.put(config.hostId(), own);
        for (String uri : config.otherHosts().orElse(List.of())) {
            LibvirtHypervisor other = new LibvirtHypervisor(uri.strip());
            opened.add(other);
            String id;
            try {
                id = HostIds.of(other.uri(), other.hostName());
            } catch (Hypervisor.HypervisorException e) {
                close();
                throw new IllegalStateException(
                        "ballast.worker.other-hosts (BALLAST_WORKER_OTHER_HOSTS): " + e.getMessage()
                                + "; the worker does not start",
                        e);
            }
            if (hosts.putIfAbsent(id, other) != null) {
                close();
                throw new IllegalStateException("ballast.worker.other-hosts (BALLAST_WORKER_OTHER_HOSTS): " + uri
                        + " is host " + id + ", which this worker serves already; the worker does not start");
            }
        }
        if (hosts.size() > 1) {
            LOG.infof("serving hosts=%s", String.join(",", hosts.keySet()));
        }
    }

    /** Whether jobs addressed to {@code hostId} are this worker's. */
    public boolean serves(String hostId) {
        return hosts.containsKey(hostId);
    }

    /** The served hosts, its own first, each with its hypervisor. */
    public Map<String, Hypervisor> hypervisors() {
        return Collections.unmodifiableSequencedMap(hosts);
    }

    /** The hypervisor of a served host. */
    public Optional<Hypervisor> hypervisor(String hostId) {
        return Optional.ofNullable(hosts.get(hostId));
    }

    @PreDestroy
    void close() {
        opened.forEach(LibvirtHypervisor::close);
    }
}
