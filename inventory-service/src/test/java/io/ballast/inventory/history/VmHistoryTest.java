package io.ballast.inventory.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ballast.inventory.budget.BudgetChange;
import io.ballast.inventory.usage.HourlyUsage;
import io.ballast.support.errors.Refusal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class VmHistoryTest {

    private static final Instant T = Instant.parse("2026-12-01T10:00:00.123456Z");
    private static final VmHistory.Window WINDOW =
            new VmHistory.Window(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-02T00:00:00Z"));

    private static VmHistory.BudgetEntry budget(long seq, Instant at) {
        return new VmHistory.BudgetEntry(new BudgetChange.Kept(
                seq,
                new BudgetChange("vm", "virtio-root", "/", seq, BudgetChange.Kind.SET, 1, Optional.empty(), "", at),
                Optional.empty(),
                OptionalLong.empty()));
    }

    private static VmHistory.UsageEntry hour(Instant at) {
        return new VmHistory.UsageEntry(at, List.of(new HourlyUsage(at, "/", Optional.empty(), 1, 1, 1, 0, 1)));
    }

    @Test
    void aPositionReadsBackFromItsToken() {
        VmHistory.Position position = budget(42, T).position();
        assertThat(VmHistory.Position.of(position.token())).isEqualTo(position);
        assertThat(position.key()).as("sequence numbers order as text").isEqualTo("0000000000000000042");
        assertThatThrownBy(() -> VmHistory.Position.of("not-a-page"))
                .isInstanceOf(Refusal.InvalidInput.class)
                .hasMessageContaining("after");
    }

    @Test
    void eachSourceStartsWhereItsEntriesFollowThePosition() {
        VmHistory.Position last = budget(7, T).position();
        assertThat(VmHistory.from(WINDOW, Optional.of(last), VmHistory.Type.JOB))
                .as("jobs of the same instant came before it")
                .isEqualTo(new VmHistory.From(T, false, Optional.empty()));
        assertThat(VmHistory.from(WINDOW, Optional.of(last), VmHistory.Type.BUDGET))
                .isEqualTo(new VmHistory.From(T, false, Optional.of(last.key())));
        assertThat(VmHistory.from(WINDOW, Optional.of(last), VmHistory.Type.USAGE))
                .as("usage of the same instant comes after it")
                .isEqualTo(new VmHistory.From(T, true, Optional.empty()));
        assertThat(VmHistory.from(WINDOW, Optional.empty(), VmHistory.Type.JOB))
                .isEqualTo(new VmHistory.From(WINDOW.since(), true, Optional.empty()));
    }

    @Test
    void pagesMergeTheSourcesInTimeOrderAndSayWhetherMoreRemain() {
        List<VmHistory.Entry> entries = new ArrayList<>(List.of(hour(T), budget(2, T), budget(1, T.minusSeconds(1))));
        VmHistory.Page page = VmHistory.page(entries, 2);
        assertThat(page.entries()).containsExactly(entries.get(2), entries.get(1));
        assertThat(page.next()).hasValue(entries.get(1).position().token());
        assertThat(VmHistory.page(entries, 3).next()).isEmpty();
    }

    @Test
    void usageRowsBecomeOneEntryAnHour() {
        Instant next = T.plusSeconds(3600);
        List<VmHistory.UsageEntry> hours = VmHistory.byHour(List.of(
                new HourlyUsage(T, "/", Optional.empty(), 1, 1, 1, 0, 1),
                new HourlyUsage(T, "/data", Optional.empty(), 1, 1, 1, 0, 1),
                new HourlyUsage(next, "/", Optional.empty(), 1, 1, 1, 0, 1)));
        assertThat(hours).extracting(VmHistory.UsageEntry::at).containsExactly(T, next);
        assertThat(hours.getFirst().filesystems())
                .extracting(HourlyUsage::mountPoint)
                .containsExactly("/", "/data");
    }

    @Test
    void aWindowEndsAfterItStarts() {
        assertThatThrownBy(() -> new VmHistory.Window(T, T)).isInstanceOf(Refusal.InvalidInput.class);
    }
}
