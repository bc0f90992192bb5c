package io.ballast.gateway.session;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The commands not yet acknowledged, the newest per VM and disk. A command older than one already pending or
 * acknowledged for its disk is stale and dropped, so an old generation never comes back once a newer one was
 * applied. A command is due for delivery when it was never sent, or sent longer ago than the retry interval
 * without an acknowledgement; it is then sent again with the same generation. Thread-safe.
 */
public final class PendingCommands {

    private record Entry(Command command, Instant sentAt, int attempts) {}

    /** A command to send now, and which attempt this is (1 for the first). */
    public record Due(Command command, int attempt) {}

    private final Map<Command.Key, Entry> pending = new HashMap<>();
    private final Map<Command.Key, Long> newestGeneration = new HashMap<>();

    /** Takes a new command; returns false when it is stale (not newer than what is known for its disk). */
    public synchronized boolean offer(Command command) {
        Long newest = newestGeneration.get(command.key());
        if (newest != null && command.generation() <= newest) {
            return false;
        }
        newestGeneration.put(command.key(), command.generation());
        pending.put(command.key(), new Entry(command, null, 0));
        return true;
    }

    /** An agent applied (or failed) {@code generation} for the disk: it and anything older is no longer pending. */
    public synchronized void acknowledged(String vmId, String diskId, long generation) {
        Command.Key key = new Command.Key(vmId, diskId);
        newestGeneration.merge(key, generation, Math::max);
        Entry entry = pending.get(key);
        if (entry != null && entry.command().generation() <= generation) {
            pending.remove(key);
        }
    }

    /**
     * The commands of {@code vmId} to send now: never sent, or sent before {@code now - retryAfter}; they are
     * marked as sent at {@code now}.
     */
    public synchronized List<Due> due(String vmId, Instant now, Duration retryAfter) {
        List<Due> due = new ArrayList<>();
        for (var entry : pending.entrySet()) {
            if (!entry.getKey().vmId().equals(vmId)) {
                continue;
            }
            Entry current = entry.getValue();
            if (current.sentAt() == null || !current.sentAt().plus(retryAfter).isAfter(now)) {
                Entry sent = new Entry(current.command(), now, current.attempts() + 1);
                entry.setValue(sent);
                due.add(new Due(sent.command(), sent.attempts()));
            }
        }
        due.sort(Comparator.comparing(d -> d.command().diskId()));
        return due;
    }

    /** Forgets when the VM's commands were sent (its session ended): they are due again on the next session. */
    public synchronized void unsent(String vmId) {
        pending.replaceAll(
                (key, entry) -> key.vmId().equals(vmId) ? new Entry(entry.command(), null, entry.attempts()) : entry);
    }

    public synchronized int size() {
        return pending.size();
    }
}
