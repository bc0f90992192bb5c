package io.ballast.gateway.session;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The commands not yet acknowledged, the newest per VM and disk. A command older than one already pending or
 * acknowledged for its disk is stale and dropped, so an old generation never comes back once a newer one was
 * applied. A command is due for delivery when it was never sent, or sent longer ago than the retry interval
 * without an acknowledgement; it is then sent again with the same generation. Commands are indexed by VM, so the
 * work for one VM does not grow with the number of VMs. Thread-safe.
 */
public final class PendingCommands {

    private record Entry(Command command, Instant sentAt, int attempts) {}

    /** A command to send now, and which attempt this is (1 for the first). */
    public record Due(Command command, int attempt) {}

    /** VM → disk → its pending command; disks in name order, so a VM's commands go out in a stable order. */
    private final Map<String, TreeMap<String, Entry>> pendingByVm = new HashMap<>();

    private final Map<Command.Key, Long> newestGeneration = new HashMap<>();
    private int size;

    /** Takes a new command; returns false when it is stale (not newer than what is known for its disk). */
    public synchronized boolean offer(Command command) {
        Long newest = newestGeneration.get(command.key());
        if (newest != null && command.generation() <= newest) {
            return false;
        }
        newestGeneration.put(command.key(), command.generation());
        Entry previous = pendingByVm
                .computeIfAbsent(command.vmId(), vm -> new TreeMap<>())
                .put(command.diskId(), new Entry(command, null, 0));
        if (previous == null) {
            size++;
        }
        return true;
    }

    /** An agent applied (or failed) {@code generation} for the disk: it and anything older is no longer pending. */
    public synchronized void acknowledged(String vmId, String diskId, long generation) {
        newestGeneration.merge(new Command.Key(vmId, diskId), generation, Math::max);
        TreeMap<String, Entry> disks = pendingByVm.get(vmId);
        if (disks == null) {
            return;
        }
        Entry entry = disks.get(diskId);
        if (entry != null && entry.command().generation() <= generation) {
            disks.remove(diskId);
            size--;
            if (disks.isEmpty()) {
                pendingByVm.remove(vmId);
            }
        }
    }

    /**
     * The commands of {@code vmId} to send now: never sent, or sent before {@code now - retryAfter}; they are
     * marked as sent at {@code now}. In disk order.
     */
    public synchronized List<Due> due(String vmId, Instant now, Duration retryAfter) {
        TreeMap<String, Entry> disks = pendingByVm.get(vmId);
        if (disks == null) {
            return List.of();
        }
        List<Due> due = new ArrayList<>();
        for (var disk : disks.entrySet()) {
            Entry current = disk.getValue();
            if (current.sentAt() == null || !current.sentAt().plus(retryAfter).isAfter(now)) {
                Entry sent = new Entry(current.command(), now, current.attempts() + 1);
                disk.setValue(sent);
                due.add(new Due(sent.command(), sent.attempts()));
            }
        }
        return due;
    }

    /** The VMs that have commands pending, at this moment. */
    public synchronized Set<String> vmsWithPending() {
        return Set.copyOf(pendingByVm.keySet());
    }

    /** Forgets when the VM's commands were sent (its session ended): they are due again on the next session. */
    public synchronized void unsent(String vmId) {
        TreeMap<String, Entry> disks = pendingByVm.get(vmId);
        if (disks != null) {
            disks.replaceAll((disk, entry) -> new Entry(entry.command(), null, entry.attempts()));
        }
    }

    public synchronized int size() {
        return size;
    }
}
