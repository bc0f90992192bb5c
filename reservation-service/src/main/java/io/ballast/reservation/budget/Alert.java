package io.ballast.reservation.budget;

import java.util.Optional;

/**
 * Something an operator must know about a datastore's budgets.
 *
 * @param diskId the disk it is about, when it is about one
 * @param demandBytes the demand that matters to it (the datastore's, or the disk's)
 * @param limitBytes the bound it is measured against
 */
public record Alert(
        String datastoreId,
        Kind kind,
        Severity severity,
        Optional<String> diskId,
        long demandBytes,
        long limitBytes,
        String message) {

    /** What an alert is about. */
    public enum Kind {
        /** Worst-case demand is over the limit (inventory brought more than fits): ballasts are being inflated. */
        INVARIANT_AT_RISK,
        /** Even every disk at its minimum does not fit: a migration is recommended. */
        MINIMUMS_UNMET,
        /** Forecast growth uses the headroom above the minimums up within the horizon. */
        TIME_TO_FULL,
        /** A guest wrote back into its ballast's punched ranges. */
        BALLAST_TAMPERED,
        /** An agent stopped reporting: its disk is frozen. */
        AGENT_OFFLINE,
        /** An agent reported about a disk inventory does not place on its VM: nothing was done on its account. */
        UNATTRIBUTED_REPORT
    }

    /** How urgent it is. */
    public enum Severity {
        INFO,
        WARNING,
        CRITICAL
    }

    /** The key under which the datastore remembers it is raised: one per kind and disk. */
    String key() {
        return kind + diskId.map(id -> "/" + id).orElse("");
    }
}
