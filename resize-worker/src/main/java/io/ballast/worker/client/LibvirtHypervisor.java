package io.ballast.worker.client;

import io.ballast.worker.config.WorkerConfig;
import io.ballast.worker.hypervisor.Hypervisor;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.regex.Pattern;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;

/**
 * {@link Hypervisor} through libvirt ({@code ballast.worker.libvirt-uri}), one connection opened at first use and
 * kept; calls are serialized on it. Domains are named by name or UUID.
 */
@ApplicationScoped
public class LibvirtHypervisor implements Hypervisor {

    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Duration POLL = Duration.ofMillis(200);

    private final String uri;
    private Connect connection;

    @Inject
    LibvirtHypervisor(WorkerConfig config) {
        this(config.libvirtUri());
    }

    /** The hypervisor {@code uri} reaches; not a bean, so whoever makes it {@link #close closes} it. */
    LibvirtHypervisor(String uri) {
        this.uri = uri;
    }

    String uri() {
        return uri;
    }

    /** What the hypervisor calls its host (the machine's host name for local and test URIs). */
    synchronized String hostName() throws HypervisorException {
        try {
            return connection().getHostName();
        } catch (LibvirtException e) {
            throw new HypervisorException("could not reach the hypervisor at " + uri + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized PowerState state(String domain) throws HypervisorException {
        try {
            return stateOf(lookup(domain));
        } catch (LibvirtException e) {
            throw failure("read the state of", domain, e);
        }
    }

    @Override
    public synchronized void powerOff(String domain, Duration timeout) throws HypervisorException {
        try {
            Domain found = lookup(domain);
            if (stateOf(found) == PowerState.OFF) {
                return;
            }
            found.shutdown();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (stateOf(found) != PowerState.OFF && System.nanoTime() < deadline) {
                Thread.sleep(POLL.toMillis());
            }
            if (stateOf(found) != PowerState.OFF) {
                found.destroy();
            }
        } catch (LibvirtException e) {
            throw failure("power off", domain, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HypervisorException("interrupted while waiting for " + domain + " to shut down", e);
        }
    }

    @Override
    public synchronized void powerOn(String domain) throws HypervisorException {
        try {
            Domain found = lookup(domain);
            if (stateOf(found) == PowerState.OFF) {
                found.create();
            }
        } catch (LibvirtException e) {
            throw failure("power on", domain, e);
        }
    }

    private Domain lookup(String domain) throws LibvirtException {
        return UUID.matcher(domain).matches()
                ? connection().domainLookupByUUIDString(domain)
                : connection().domainLookupByName(domain);
    }

    private Connect connection() throws LibvirtException {
        if (connection == null) {
            connection = new Connect(uri, false);
        }
        return connection;
    }

    private static PowerState stateOf(Domain domain) throws LibvirtException {
        DomainInfo.DomainState state = domain.getInfo().state;
        return state == DomainInfo.DomainState.VIR_DOMAIN_SHUTOFF || state == DomainInfo.DomainState.VIR_DOMAIN_CRASHED
                ? PowerState.OFF
                : PowerState.RUNNING;
    }

    private HypervisorException failure(String action, String domain, LibvirtException e) {
        return new HypervisorException(
                "could not " + action + " domain " + domain + " on " + uri + ": " + e.getMessage(), e);
    }

    @PreDestroy
    synchronized void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (LibvirtException e) {
                // closing on the way out; nothing to do about it
            }
        }
    }
}
