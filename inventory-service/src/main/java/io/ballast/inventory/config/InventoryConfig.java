package io.ballast.inventory.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The inventory service's settings: which hosts it discovers and how often. */
@ConfigMapping(prefix = "ballast.inventory")
public interface InventoryConfig {

    /**
     * libvirt connection URIs to discover, e.g. {@code qemu+ssh://root@host-1/system} (environment {@code
     * BALLAST_LIBVIRT_URIS}, comma-separated); hosts added over REST are discovered as well.
     */
    Optional<List<String>> libvirtUris();

    /** Discovery. */
    Discovery discovery();

    /**
     * The file holding the bearer token (role {@code orchestrator}) inventory calls reservation-service with, read at
     * each call (environment {@code BALLAST_RESERVATION_TOKEN_FILE}); migrations libvirt's hook reports need it.
     */
    Optional<Path> reservationTokenFile();

    /**
     * reservation-service's base URL (environment {@code BALLAST_RESERVATION_URL}; by default the host and port of its
     * gRPC client): the operator console reads and changes budgets through its REST API there, with the signed-in
     * user's own token.
     */
    URI reservationUrl();

    /** Migrations libvirt's qemu hook reports. */
    Migrations migrations();

    /** How migrations libvirt's qemu hook reports are held and ended. */
    interface Migrations {

        /** How long a migration's holds on its target datastores last without a commit (1 s to a day). */
        @WithDefault("30m")
        Duration holdTtl();

        /**
         * How long the destination's hook waits while the target's space is being taken back from its other disks;
         * the migration is refused when the holds are not all in place by then.
         */
        @WithDefault("45s")
        Duration prepareWait();

        /**
         * How often open migrations are looked at: one whose VM runs on its target is committed, one whose holds
         * expired is aborted (a duration such as {@code 30s}).
         */
        @WithDefault("30s")
        String reconcileInterval();
    }

    /** Profiles' schedules. */
    ScheduleSettings schedule();

    /** How profiles' schedules are followed. */
    interface ScheduleSettings {

        /**
         * How often profiles' schedules are checked for an open maintenance window (a duration such as {@code 1m},
         * or {@code off} to enqueue no scheduled resize on this instance).
         */
        @WithDefault("1m")
        String checkInterval();
    }

    /** Reports. */
    ReportSettings reports();

    /** What the savings report prices bytes at. */
    interface ReportSettings {

        /** What a GiB of datastore space costs, in {@link #currency()}: the savings report's price. */
        @WithDefault("0.10")
        double pricePerGib();

        /** The currency the price is in, as the report labels it. */
        @WithDefault("USD")
        String currency();

        /** How often {@code ballast_inventory_projected_savings_bytes} is worked out again. */
        @WithDefault("1m")
        String savingsMetricInterval();
    }

    /** Guests' usage. */
    Usage usage();

    /** How long guests' usage is kept. */
    interface Usage {

        /** Every report is kept this long. */
        @WithDefault("1d")
        Duration rawRetention();

        /** Hourly summaries, and the budget changes seen on the bus (VMs' histories), are kept this long. */
        @WithDefault("90d")
        Duration hourlyRetention();

        /** How often what is older than its retention is deleted. */
        @WithDefault("1h")
        Duration purgeInterval();
    }

    /** How hosts are looked at. */
    interface Discovery {

        /** How often every host is looked at again; {@code POST /api/v1/discovery/refresh} looks at once. */
        @WithDefault("5m")
        Duration interval();

        /**
         * Share of a newly discovered datastore's capacity kept free as its reserve (0 to 0.5); an operator sets
         * another with {@code PUT /api/v1/datastores/{id}/reserve}.
         */
        @WithDefault("0.05")
        double reserveRatio();

        /**
         * The longest one look at a host may take before another look (by any instance) may start: a look whose
         * process died holds its host no longer than this.
         */
        @WithDefault("10m")
        Duration lookTimeout();
    }
}
