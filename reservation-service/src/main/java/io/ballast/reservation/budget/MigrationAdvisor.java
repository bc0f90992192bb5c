package io.ballast.reservation.budget;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Which VM to move where when a datastore cannot give its disks their minimums (or a growth its bytes): among the
 * VMs whose move clears the deficit, the one that copies the fewest bytes; when none clears it alone, the one that
 * frees the most. The target is the other datastore with the most spare room for what the migration's prepare would
 * hold there ({@link Disk#migrationHoldBytes}): a move the target would refuse is never recommended.
 */
public final class MigrationAdvisor {

    private MigrationAdvisor() {}

    public static Optional<MigrationRecommendation> recommend(
            Datastore datastore, long deficitBytes, Collection<Room> others, boolean copiesPunchedRanges) {
        Map<String, List<Disk>> byVm = datastore.disks().stream()
                .collect(Collectors.groupingBy(Disk::vmId, TreeMap::new, Collectors.toList()));
        List<Room> rooms = others.stream()
                .filter(room -> !room.datastoreId().equals(datastore.id()))
                .sorted(Comparator.comparingLong(Room::spareBytes).reversed().thenComparing(Room::datastoreId))
                .toList();
        Candidate best = null;
        for (var entry : byVm.entrySet()) {
            long freed = 0;
            long copied = 0;
            long held = 0;
            for (Disk disk : entry.getValue()) {
                freed += disk.minimumBudgetBytes() + disk.overheadBytes();
                copied += disk.utilizedBytes() + disk.overheadBytes();
                held += disk.migrationHoldBytes(copiesPunchedRanges);
            }
            long need = held;
            Optional<Room> target =
                    rooms.stream().filter(room -> room.spareBytes() >= need).findFirst();
            if (target.isEmpty()) {
                continue;
            }
            Candidate candidate = new Candidate(entry.getKey(), target.get(), freed, copied, freed >= deficitBytes);
            if (best == null || candidate.betterThan(best)) {
                best = candidate;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        Candidate chosen = best;
        String reason = chosen.clears
                ? "moving VM " + chosen.vmId + " frees " + chosen.freed + " bytes of minimum demand, covering the"
                        + " deficit of " + deficitBytes + " bytes, for " + chosen.copied + " bytes copied"
                : "no single VM covers the deficit of " + deficitBytes + " bytes; moving VM " + chosen.vmId
                        + " frees the most (" + chosen.freed + " bytes)";
        return Optional.of(new MigrationRecommendation(
                datastore.id(),
                chosen.vmId,
                chosen.room.datastoreId(),
                chosen.copied,
                chosen.freed,
                chosen.clears,
                reason));
    }

    private record Candidate(String vmId, Room room, long freed, long copied, boolean clears) {
        boolean betterThan(Candidate other) {
            if (clears != other.clears) {
                return clears;
            }
            if (clears) {
                return copied < other.copied || (copied == other.copied && freed > other.freed);
            }
            return freed > other.freed || (freed == other.freed && copied < other.copied);
        }
    }
}
