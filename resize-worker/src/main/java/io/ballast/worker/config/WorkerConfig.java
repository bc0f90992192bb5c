package io.ballast.worker.config;

import io.smallrye.config.ConfigMapping;
import java.time.Duration;

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

    /** How long a lease on a VM lasts without renewal; a running job renews it at every step and progress. */
    Duration leaseTtl();

    /** How long a guest gets to shut down before it is powered off. */
    Duration shutdownTimeout();
}
