package io.ballast.worker.hypervisor;

import java.time.Duration;

/** The hypervisor of this host, as a resize job needs it: a VM's power state, off and on again. */
public interface Hypervisor {

    /** Whether a domain runs (running, blocked, paused or suspended all hold its disks open) or is off. */
    enum PowerState {
        RUNNING,
        OFF
    }

    PowerState state(String domain) throws HypervisorException;

    /**
     * Asks the guest to shut down and waits up to {@code timeout} for it; then powers the domain off. Returns once
     * the domain is off.
     */
    void powerOff(String domain, Duration timeout) throws HypervisorException;

    /** Starts the domain. */
    void powerOn(String domain) throws HypervisorException;

    /** The hypervisor refused or failed; the message names the domain and what libvirt said. */
    final class HypervisorException extends Exception {
        public HypervisorException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
