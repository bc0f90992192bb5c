package io.ballast.reservation.budget.rest;

import io.ballast.reservation.budget.BallastCommand;
import io.ballast.reservation.budget.BallastSlot;
import io.ballast.reservation.budget.BudgetChange;
import io.ballast.reservation.budget.Datastore;
import io.ballast.reservation.budget.Disk;
import io.ballast.reservation.budget.DiskState;
import io.ballast.reservation.budget.Forecast;
import io.ballast.reservation.budget.Growth;
import io.ballast.reservation.budget.Hold;
import io.ballast.reservation.budget.InvariantTerms;
import io.ballast.reservation.budget.Migration;
import io.ballast.reservation.budget.MigrationRecommendation;
import io.ballast.reservation.budget.Mode;
import io.ballast.reservation.budget.Outlook;
import io.ballast.reservation.budget.Placement;
import io.ballast.reservation.budget.store.LedgerPage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the REST endpoints answer: plain records mapped from the engine's state at this edge. */
public final class Views {

    private Views() {}

    /**
     * A datastore and its invariant's terms: {@code worstCaseDemandBytes + otherBytes + holdBytes <= limitBytes},
     * {@code limitBytes} being {@code capacityBytes - reserveBytes} (strict) or {@code ratio} times that (relaxed).
     *
     * @param headroomBytes {@code limitBytes} less everything counted against it; negative while the invariant does
     *     not hold
     * @param timeToFullSeconds when the disks' minimums, growing at their forecast, use up what the datastore can
     *     give; absent when nothing grows
     * @param recommendation the migration that would make room, while the disks' minimums do not fit
     */
    public record DatastoreView(
            String id,
            String mode,
            double ratio,
            long capacityBytes,
            long reserveBytes,
            long limitBytes,
            long worstCaseDemandBytes,
            long otherBytes,
            long holdBytes,
            long ballastBytes,
            long headroomBytes,
            boolean invariantHolds,
            int disks,
            List<HoldView> holds,
            List<String> alerts,
            Optional<Long> timeToFullSeconds,
            Optional<RecommendationView> recommendation) {

        static DatastoreView of(Datastore datastore, Outlook outlook) {
            InvariantTerms terms = datastore.terms();
            Mode mode = datastore.policy().mode();
            return new DatastoreView(
                    datastore.id(),
                    mode instanceof Mode.Relaxed ? "relaxed" : "strict",
                    mode instanceof Mode.Relaxed relaxed ? relaxed.ratio() : 1.0,
                    terms.capacityBytes(),
                    terms.reserveBytes(),
                    terms.limitBytes(),
                    terms.worstCaseDemandBytes(),
                    terms.otherBytes(),
                    terms.holdBytes(),
                    terms.ballastBytes(),
                    terms.headroomBytes(),
                    terms.holds(),
                    datastore.disks().size(),
                    datastore.holds().stream().map(HoldView::of).toList(),
                    List.copyOf(datastore.activeAlerts()),
                    outlook.timeToFull().map(Duration::toSeconds),
                    outlook.recommendation().map(RecommendationView::of));
        }
    }

    /** Space held on a datastore for a migration in flight, until it commits, aborts or expires. */
    public record HoldView(String id, String purpose, String reference, String diskId, long bytes, Instant expiresAt) {
        static HoldView of(Hold hold) {
            return new HoldView(
                    hold.id(), hold.purpose().name(), hold.reference(), hold.diskId(), hold.bytes(), hold.expiresAt());
        }
    }

    /** A page of datastores; pass {@code next} as {@code after} for the page after. */
    public record DatastorePageView(List<DatastoreView> datastores, Optional<String> next) {}

    /**
     * A disk's budget and where its ballast stands.
     *
     * @param budgetBytes the effective size the service decided for it
     * @param effectiveBytes what its guest can fill now: designated less the ballast counted for it
     * @param unreclaimedBytes ballast bytes still backed in the image (counted in the datastore's demand)
     * @param minimumBudgetBytes the least budget its profile allows with the usage last reported
     * @param generation of the newest ballast command
     * @param forecast the trend of its usage as last estimated; absent until the planner first estimated one
     */
    public record DiskView(
            String id,
            String vmId,
            String datastoreId,
            String serial,
            long designatedBytes,
            long budgetBytes,
            long effectiveBytes,
            long unreclaimedBytes,
            long overheadBytes,
            long utilizedBytes,
            long minimumBudgetBytes,
            long worstCaseDemandBytes,
            DiskState state,
            long generation,
            boolean agentOnline,
            Optional<Instant> lastReportAt,
            Optional<Long> pinnedBallastBytes,
            String profile,
            List<BallastView> ballasts,
            Optional<CommandView> command,
            Optional<ForecastView> forecast) {

        static DiskView of(Disk disk) {
            return new DiskView(
                    disk.id(),
                    disk.vmId(),
                    disk.datastoreId(),
                    disk.serial(),
                    disk.designatedBytes(),
                    disk.budgetBytes(),
                    disk.effectiveBytes(),
                    disk.unreclaimedBytes(),
                    disk.overheadBytes(),
                    disk.utilizedBytes(),
                    disk.minimumBudgetBytes(),
                    disk.worstCaseDemandBytes(),
                    disk.state(),
                    disk.generation(),
                    disk.agentOnline(),
                    disk.lastReportAt(),
                    disk.pinnedBallastBytes(),
                    disk.profile().name(),
                    disk.ballasts().stream().map(BallastView::of).toList(),
                    disk.command().map(CommandView::of),
                    disk.history().knownForecast().map(ForecastView::of));
        }
    }

    /**
     * A disk's usage trend: the Theil–Sen slope of its hourly maxima and the 95 % interval around it, whose upper end
     * the planner grows the disk's minimum by.
     */
    public record ForecastView(
            long windowSeconds,
            int points,
            double slopeBytesPerDay,
            double lowerSlopeBytesPerDay,
            double upperSlopeBytesPerDay,
            String explanation) {
        static ForecastView of(Forecast forecast) {
            return new ForecastView(
                    forecast.window().toSeconds(),
                    forecast.points(),
                    forecast.slopeBytesPerDay(),
                    forecast.lowerSlopeBytesPerDay(),
                    forecast.upperSlopeBytesPerDay(),
                    forecast.explanation());
        }
    }

    /** The ballast in one guest filesystem. */
    public record BallastView(
            String mountPoint,
            long appliedBytes,
            long appliedGeneration,
            long unreclaimedBytes,
            long tamperedBytes,
            int extents,
            Optional<Instant> reclaimedAt) {
        static BallastView of(BallastSlot slot) {
            return new BallastView(
                    slot.mountPoint(),
                    slot.appliedBytes(),
                    slot.appliedGeneration(),
                    slot.unreclaimedBytes(),
                    slot.tamperedBytes(),
                    slot.extents().map(List::size).orElse(0),
                    slot.reclaimedAt());
        }
    }

    /** The ballast command in flight. */
    public record CommandView(
            String mountPoint, long generation, long targetBytes, long fromBytes, Instant issuedAt, int attempts) {
        static CommandView of(BallastCommand command) {
            return new CommandView(
                    command.mountPoint(),
                    command.generation(),
                    command.targetBytes(),
                    command.fromBytes(),
                    command.issuedAt(),
                    command.attempts());
        }
    }

    /** The disks of one datastore. */
    public record DiskListView(String datastoreId, List<DiskView> disks) {}

    /** A growth request and where it stands. */
    public record GrowthView(
            String id,
            String diskId,
            Growth.State state,
            long additionalBytes,
            long previousBudgetBytes,
            long targetBudgetBytes,
            Instant requestedAt,
            Instant expiresAt,
            String detail,
            Optional<RecommendationView> recommendation) {
        static GrowthView of(Growth growth) {
            return new GrowthView(
                    growth.id(),
                    growth.diskId(),
                    growth.state(),
                    growth.additionalBytes(),
                    growth.previousBudgetBytes(),
                    growth.targetBudgetBytes(),
                    growth.requestedAt(),
                    growth.expiresAt(),
                    growth.detail(),
                    growth.recommendation().map(RecommendationView::of));
        }
    }

    /** The migration that would make room: which VM to which datastore, for how many bytes moved. */
    public record RecommendationView(
            String datastoreId,
            String vmId,
            String toDatastoreId,
            long bytesToMove,
            long demandFreedBytes,
            boolean clearsDeficit,
            String reason) {
        static RecommendationView of(MigrationRecommendation r) {
            return new RecommendationView(
                    r.datastoreId(),
                    r.vmId(),
                    r.toDatastoreId(),
                    r.bytesToMove(),
                    r.demandFreedBytes(),
                    r.clearsDeficit(),
                    r.reason());
        }
    }

    /** A migration: each of its disks as its target keeps it. */
    public record MigrationView(String id, List<MigratingDiskView> disks) {
        static MigrationView of(String id, List<Migration> disks) {
            return new MigrationView(
                    id, disks.stream().map(MigratingDiskView::of).toList());
        }
    }

    /** One disk of a migration. */
    public record MigratingDiskView(
            String diskId,
            String vmId,
            String fromDatastoreId,
            String toDatastoreId,
            long holdBytes,
            Migration.State state,
            Instant preparedAt,
            Instant expiresAt,
            String detail) {
        static MigratingDiskView of(Migration m) {
            return new MigratingDiskView(
                    m.diskId(),
                    m.vmId(),
                    m.fromDatastoreId(),
                    m.toDatastoreId(),
                    m.needBytes(),
                    m.state(),
                    m.preparedAt(),
                    m.expiresAt(),
                    m.detail());
        }
    }

    /** Where a new disk fits, best first. */
    public record PlacementView(List<Placement.Option> options) {}

    /** The ballast pinned on each of a VM's disks by an export bound. */
    public record ExportBoundView(String vmId, long bytes, Map<String, Long> ballastBytes) {}

    /** A page of the ledger, newest first; pass {@code next} as {@code before} for the older page. */
    public record LedgerView(List<LedgerLine> lines, Optional<Long> next) {
        static LedgerView of(LedgerPage page) {
            return new LedgerView(page.lines().stream().map(LedgerLine::of).toList(), page.next());
        }
    }

    /** One budget change and its reason. */
    public record LedgerLine(
            long id, String datastoreId, String diskId, long beforeBytes, long afterBytes, String reason, Instant at) {
        static LedgerLine of(LedgerPage.Line line) {
            BudgetChange change = line.change();
            return new LedgerLine(
                    line.id(),
                    change.datastoreId(),
                    change.diskId(),
                    change.beforeBytes(),
                    change.afterBytes(),
                    change.reason(),
                    change.at());
        }
    }
}
