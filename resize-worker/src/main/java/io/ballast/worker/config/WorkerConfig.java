package io.ballast.worker.config;

import io.smallrye.config.ConfigMapping;

/** The worker's place in the fleet. */
@ConfigMapping(prefix = "ballast.worker")
public interface WorkerConfig {

    /**
     * The hypervisor host this worker runs on: it takes the jobs addressed to this host and ignores the others.
     * Defaults to {@code BALLAST_HOST_ID}, else the host name.
     */
    String hostId();
}
