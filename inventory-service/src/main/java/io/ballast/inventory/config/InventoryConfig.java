package io.ballast.inventory.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
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
