package io.ballast.reservation.budget;

import java.time.Instant;

/**
 * One line of the ledger: a disk's budget (its decided effective size) changed, and why.
 *
 * @param reason what decided it: a plan, a growth, a donation to a growth, an override, a migration
 */
public record BudgetChange(
        String datastoreId, String diskId, long beforeBytes, long afterBytes, String reason, Instant at) {}
