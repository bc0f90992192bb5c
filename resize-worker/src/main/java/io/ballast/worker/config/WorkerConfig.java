package io.ballast.worker.config;

import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The worker's place in the fleet, its hypervisor and its timings. */
@ConfigMapping(prefix = "ballast.worker")
public interface WorkerConfig {

    /**
     * The hypervisor host this worker runs on: it takes the jobs addressed to this host and ignores the others.
     * Defaults to {@code BALLAST_HOST_ID}, else the host name.
     */
    String hostId();

    /** The libvirt connection URI of this host's hypervisor, e.g. {@code qemu:///system}. */
    String libvirtUri();

    /**
     * Further hosts whose images this worker reaches, each by its hypervisor's libvirt URI: the worker runs their jobs
     * too, each host named as inventory names the host it discovers at that URI. A fleet runs one worker on each host
     * and leaves this empty; the local stack's one worker serves its simulated hosts so.
     */
    Optional<List<String>> otherHosts();

    /**
     * How long a lease on a VM lasts without renewal (whole seconds, at most an hour: inventory grants no longer); a
     * running job renews it at every step and as it makes progress.
     */
    Duration leaseTtl();

    /**
     * The file holding the bearer token (role {@code operator}) the worker calls the inventory service with, for VM
     * leases; read at each call, so a renewed token is taken up without a restart. Where inventory is reached is
     * {@code quarkus.grpc.clients.inventory.*}.
     */
    Optional<Path> inventoryTokenFile();

    /** How long a guest gets to shut down before it is powered off. */
    Duration shutdownTimeout();
}
