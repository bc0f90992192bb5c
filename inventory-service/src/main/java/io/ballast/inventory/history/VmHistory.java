package io.ballast.inventory.history;

import io.ballast.inventory.budget.BudgetChange;
import io.ballast.inventory.job.Job;
import io.ballast.inventory.usage.HourlyUsage;
import io.ballast.support.errors.Refusal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * One time-ordered view of a VM: its scan and resize jobs (when each was created), the budget changes seen on the
 * bus for its disks, and its guest's usage hour by hour. Pages follow each other by {@link Position}: the sources are
 * each read from the same position, in order, and merged.
 */
public final class VmHistory {

    private VmHistory() {}

    /** What an entry tells; entries of the same instant come in this order. */
    public enum Type {
        JOB,
        BUDGET,
        USAGE
    }

    /** One entry of the history. */
    public sealed interface Entry permits JobEntry, BudgetEntry, UsageEntry {

        Instant at();

        Type type();

        /** What orders entries of one type at the same instant, compared as text; unique among them. */
        String key();

        default Position position() {
            return new Position(at(), type(), key());
        }
    }

    /** A job, at the time it was created, with its step history. */
    public record JobEntry(Job job) implements Entry {

        @Override
        public Instant at() {
            return job.createdAt();
        }

        @Override
        public Type type() {
            return Type.JOB;
        }

        @Override
        public String key() {
            return job.id();
        }
    }

    /** A budget change seen on the bus. */
    public record BudgetEntry(BudgetChange.Kept change) implements Entry {

        /** Sequence numbers as text of one width, so that text order is their order. */
        static final String SEQ = "%019d";

        @Override
        public Instant at() {
            return change.change().at();
        }

        @Override
        public Type type() {
            return Type.BUDGET;
        }

        @Override
        public String key() {
            return String.format(SEQ, change.seq());
        }
    }

    /** The guest's filesystems over one hour, by mount point. */
    public record UsageEntry(Instant at, List<HourlyUsage> filesystems) implements Entry {

        public UsageEntry {
            filesystems = List.copyOf(filesystems);
        }

        @Override
        public Type type() {
            return Type.USAGE;
        }

        /** One entry an hour: nothing else orders them. */
        @Override
        public String key() {
            return "";
        }
    }

    /**
     * The time a history covers: from {@code since}, before {@code until}.
     *
     * @throws Refusal.InvalidInput unless {@code since} is before {@code until}
     */
    public record Window(Instant since, Instant until) {
        public Window {
            if (!since.isBefore(until)) {
                throw new Refusal.InvalidInput("since", since + " is not before until, " + until);
            }
        }
    }

    /** Where an entry stands in the history: a page ends at one, and the next page starts after it. */
    public record Position(Instant at, Type type, String key) {

        static final Comparator<Position> ORDER =
                Comparator.comparing(Position::at).thenComparing(Position::type).thenComparing(Position::key);

        /** The position as the opaque text a page's {@code next} carries. */
        public String token() {
            String plain = at + "\n" + type.name() + "\n" + key;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
        }

        /** @throws Refusal.InvalidInput for text no page's {@code next} was */
        public static Position of(String token) {
            try {
                String[] parts =
                        new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 3);
                if (parts.length != 3) {
                    throw new IllegalArgumentException("three parts expected");
                }
                return new Position(Instant.parse(parts[0]), Type.valueOf(parts[1]), parts[2]);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new Refusal.InvalidInput("after", "'" + token + "' is no page of a history (pass a page's next)");
            }
        }
    }

    /**
     * Where a source of one type reads from: entries at {@code at} or later when {@code inclusive}, else after it;
     * with {@code afterKey}, also those at {@code at} whose key is after it.
     */
    public record From(Instant at, boolean inclusive, Optional<String> afterKey) {}

    /** Where the entries of {@code type} start: in {@code window}, after {@code after} when given. */
    public static From from(Window window, Optional<Position> after, Type type) {
        if (after.isEmpty() || after.get().at().isBefore(window.since())) {
            return new From(window.since(), true, Optional.empty());
        }
        Position last = after.get();
        int order = type.compareTo(last.type());
        if (order < 0) {
            return new From(last.at(), false, Optional.empty());
        }
        if (order == 0) {
            return new From(last.at(), false, Optional.of(last.key()));
        }
        return new From(last.at(), true, Optional.empty());
    }

    /**
     * One page of the history.
     *
     * @param next the position to pass as {@code after} for the next page; empty on the last
     */
    public record Page(List<Entry> entries, Optional<String> next) {
        public Page {
            entries = List.copyOf(entries);
        }
    }

    /**
     * The first {@code limit} of {@code entries} in time order, from sources each read from the same {@link From}
     * in order and cut at {@code limit + 1} entries: an entry of any source among the first {@code limit} is then
     * among them, and more remain exactly when there are more than {@code limit}.
     */
    public static Page page(List<? extends Entry> entries, int limit) {
        List<Entry> ordered = new ArrayList<>(entries);
        ordered.sort(Comparator.comparing(Entry::position, Position.ORDER));
        List<Entry> page = ordered.subList(0, Math.min(limit, ordered.size()));
        Optional<String> next =
                ordered.size() > limit ? Optional.of(page.getLast().position().token()) : Optional.empty();
        return new Page(page, next);
    }

    /** The usage rows of several hours as one entry an hour, in hour order. */
    public static List<UsageEntry> byHour(List<HourlyUsage> rows) {
        List<UsageEntry> hours = new ArrayList<>();
        List<HourlyUsage> hour = new ArrayList<>();
        for (HourlyUsage row : rows) {
            if (!hour.isEmpty() && !hour.getFirst().hour().equals(row.hour())) {
                hours.add(new UsageEntry(hour.getFirst().hour(), hour));
                hour = new ArrayList<>();
            }
            hour.add(row);
        }
        if (!hour.isEmpty()) {
            hours.add(new UsageEntry(hour.getFirst().hour(), hour));
        }
        return hours;
    }
}
