package io.ballast.inventory.fleet.store;

import io.ballast.inventory.client.LibvirtDiscovery;
import io.ballast.inventory.config.InventoryConfig;
import io.ballast.inventory.fleet.Discovered;
import io.ballast.inventory.fleet.Fleet;
import io.ballast.inventory.fleet.HostUnreachable;
import io.ballast.inventory.fleet.store.LibvirtConnectionEntity.AddedBy;
import io.ballast.support.errors.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Looks at every host inventory knows a libvirt URI of (the configuration's and those added over REST), on a period
 * and on demand, and records what each showed. One look at a URI runs at a time across all instances (the URI's row
 * is claimed for it); a host that cannot be reached keeps what was recorded of it, with the reason.
 */
@ApplicationScoped
public class Discoveries {

    private static final Logger LOG = Logger.getLogger(Discoveries.class);

    private final LibvirtDiscovery libvirt;
    private final FleetStore store;
    private final EntityManager entities;
    private final InventoryConfig config;
    private final Clock clock;
    private final Timer duration;
    private final Counter errors;

    Discoveries(
            LibvirtDiscovery libvirt,
            FleetStore store,
            EntityManager entities,
            InventoryConfig config,
            MeterRegistry registry) {
        this.libvirt = libvirt;
        this.store = store;
        this.entities = entities;
        this.config = config;
        this.clock = Clock.systemUTC();
        this.duration = Timer.builder("ballast_inventory_discovery_seconds")
                .description("How long one look at a host took, recording included")
                .register(registry);
        this.errors = Counter.builder("ballast_inventory_discovery_errors_total")
                .description("Looks at a host that failed: unreachable, or showing what cannot be recorded")
                .register(registry);
    }

    /** How one look at a URI went. */
    public enum Outcome {
        /** The host was reached and what it showed is recorded. */
        RECORDED,
        /** The host could not be reached or read; what was recorded of it stays. */
        FAILED,
        /** Another look at the URI is in progress (on this or another instance). */
        BUSY
    }

    /**
     * One look at a URI.
     *
     * @param hostId the host it showed; empty unless recorded
     * @param error why it failed; empty unless failed
     */
    public record Look(
            String uri,
            Outcome outcome,
            Optional<String> hostId,
            Duration took,
            FleetStore.Changes changes,
            Optional<String> error) {}

    void registerConfigured(@Observes StartupEvent start) {
        List<String> uris = configuredUris();
        QuarkusTransaction.requiringNew().run(() -> {
            for (String uri : uris) {
                entities.createNativeQuery(
                                "INSERT INTO inventory.libvirt_connection (uri, added_by) VALUES (?1, 'CONFIGURATION')"
                                        + " ON CONFLICT (uri) DO NOTHING")
                        .setParameter(1, uri)
                        .executeUpdate();
            }
        });
        LOG.infof("libvirt URIs to discover from the configuration: %d", uris.size());
        // The first look at once, beside the start: the schedule's first run comes while the application is still
        // starting, is skipped then, and would leave a configured fleet unknown for a whole interval. A look at a
        // host another look holds answers BUSY, so the two never look at one host together.
        Thread.ofPlatform().name("discovery-first-look").daemon().start(this::refreshAll);
    }

    @Scheduled(
            identity = "ballast-inventory-discovery",
            every = "${ballast.inventory.discovery.interval}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void periodically() {
        refreshAll();
    }

    /** Looks at every URI, one after the other. */
    public List<Look> refreshAll() {
        List<Look> looks = new ArrayList<>();
        for (String uri : uris()) {
            try {
                looks.add(refresh(uri));
            } catch (Refusal.NotFound removed) {
                // forgotten while the others were looked at
            } catch (RuntimeException e) {
                // the next host is looked at all the same
                LOG.warnf("host not looked at uri=%s reason=%s", uri, e.toString());
            }
        }
        return looks;
    }

    /** The URIs looked at: the configuration's, then those added over REST, in the order they were added. */
    public List<String> uris() {
        Set<String> uris = new LinkedHashSet<>(configuredUris());
        uris.addAll(QuarkusTransaction.requiringNew().call(() -> entities.createQuery(
                        "select c.uri from LibvirtConnectionEntity c where c.addedBy = :api"
                                + " order by c.createdAt, c.uri",
                        String.class)
                .setParameter("api", AddedBy.API)
                .getResultList()));
        return List.copyOf(uris);
    }

    /**
     * Looks at {@code uri} now, unless a look at it is in progress.
     *
     * @throws Refusal.NotFound if inventory does not look at {@code uri}
     */
    public Look refresh(String uri) {
        Instant start = clock.instant();
        if (!claim(uri, start)) {
            return new Look(
                    uri, Outcome.BUSY, Optional.empty(), Duration.ZERO, FleetStore.Changes.NONE, Optional.empty());
        }
        Discovered.Host seen;
        try {
            seen = libvirt.discover(uri);
        } catch (HostUnreachable e) {
            return failed(uri, start, e.getMessage());
        } catch (RuntimeException e) {
            LOG.errorf(e, "look at a host failed uri=%s", uri);
            return failed(uri, start, "the look failed: " + e);
        }
        Fleet.Part part;
        try {
            part = Fleet.of(seen);
        } catch (RuntimeException e) {
            LOG.errorf(e, "look at a host not understood uri=%s", uri);
            return failed(uri, start, "what the host showed could not be understood: " + e);
        }
        try {
            FleetStore.Changes changes = QuarkusTransaction.requiringNew().call(() -> {
                Instant now = clock.instant();
                FleetStore.Changes recorded = store.record(part, now);
                LibvirtConnectionEntity connection = entities.find(LibvirtConnectionEntity.class, uri);
                connection.hostId = part.host().id();
                connection.lastSuccessAt = now;
                connection.lastError = null;
                connection.lastDurationMs = Duration.between(start, now).toMillis();
                connection.lookingUntil = null;
                return recorded;
            });
            Duration took = Duration.between(start, clock.instant());
            duration.record(took);
            LOG.debugf(
                    "host looked at uri=%s host=%s changed=%d gone=%d took_ms=%d",
                    uri, part.host().id(), changes.changed(), changes.gone(), took.toMillis());
            return new Look(uri, Outcome.RECORDED, Optional.of(part.host().id()), took, changes, Optional.empty());
        } catch (Refusal e) {
            return failed(uri, start, e.getMessage());
        } catch (RuntimeException e) {
            // the database away, a lock timeout: the look is lost, the URI freed for the next one
            LOG.errorf(e, "look at a host not recorded uri=%s", uri);
            return failed(uri, start, "what the host showed could not be recorded: " + e);
        }
    }

    /**
     * Looks again at the host of {@code diskId}'s VM, through the URI it was last seen by: after a resize its pool's
     * allocation and the disk's backed bytes changed. Nothing for a host no URI shows.
     */
    public void refreshHostOf(String diskId) {
        Optional<String> uri = QuarkusTransaction.requiringNew().call(() -> entities.createQuery(
                        "select c.uri from LibvirtConnectionEntity c, VmEntity v, DiskEntity d"
                                + " where d.id = :disk and v.id = d.vmId and c.hostId = v.hostId",
                        String.class)
                .setParameter("disk", diskId)
                .setMaxResults(1)
                .getResultStream()
                .findFirst());
        uri.ifPresent(this::refresh);
    }

    /** Adds {@code uri} to the URIs looked at, as an operator asked; a URI already looked at stays as it is. */
    public void add(String uri) {
        QuarkusTransaction.requiringNew().run(() -> entities.createNativeQuery(
                        "INSERT INTO inventory.libvirt_connection (uri, added_by) VALUES (?1, 'API') ON CONFLICT (uri) DO NOTHING")
                .setParameter(1, uri)
                .executeUpdate());
    }

    /** Stops looking at a URI an operator added (one of the configuration's stays while it is configured). */
    public void forget(String uri) {
        QuarkusTransaction.requiringNew().run(() -> entities.createNativeQuery(
                        "DELETE FROM inventory.libvirt_connection WHERE uri = ?1 AND added_by = 'API'")
                .setParameter(1, uri)
                .executeUpdate());
    }

    /** The URI's row, claimed for a look until the look timeout; false if another look holds it. */
    private boolean claim(String uri, Instant now) {
        int claimed = QuarkusTransaction.requiringNew().call(() -> entities.createQuery(
                        "update LibvirtConnectionEntity c set c.lookingUntil = :until, c.lastAttemptAt = :now"
                                + " where c.uri = :uri and (c.lookingUntil is null or c.lookingUntil < :now)")
                .setParameter("until", now.plus(config.discovery().lookTimeout()))
                .setParameter("now", now)
                .setParameter("uri", uri)
                .executeUpdate());
        if (claimed == 0) {
            boolean known = QuarkusTransaction.requiringNew()
                    .call(() -> entities.find(LibvirtConnectionEntity.class, uri) != null);
            if (!known) {
                throw new Refusal.NotFound("libvirt URI", uri);
            }
        }
        return claimed == 1;
    }

    private Look failed(String uri, Instant start, String reason) {
        errors.increment();
        Instant now = clock.instant();
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                LibvirtConnectionEntity connection = entities.find(LibvirtConnectionEntity.class, uri);
                if (connection != null) {
                    connection.lastError = reason;
                    connection.lastDurationMs = Duration.between(start, now).toMillis();
                    connection.lookingUntil = null;
                }
            });
        } catch (RuntimeException e) {
            // the claim then ends at the look timeout
            LOG.warnf("could not record a failed look uri=%s reason=%s", uri, e.toString());
        }
        LOG.warnf("host not looked at uri=%s reason=%s", uri, reason);
        return new Look(
                uri,
                Outcome.FAILED,
                Optional.empty(),
                Duration.between(start, now),
                FleetStore.Changes.NONE,
                Optional.of(reason));
    }

    private List<String> configuredUris() {
        return config.libvirtUris().orElse(List.of()).stream()
                .map(String::strip)
                .filter(uri -> !uri.isEmpty())
                .distinct()
                .toList();
    }
}
