package io.ballast.reservation.budget;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The ballast in one guest filesystem of a disk, as far as acknowledgements and reclaim results prove it.
 *
 * @param mountPoint the filesystem's mount point in the guest
 * @param appliedBytes the size the agent last acknowledged
 * @param appliedGeneration the generation of that acknowledgement (0 before any)
 * @param reportedBytes the size the agent's last usage report saw, when it came after the acknowledgement (a ballast
 *     someone cut shows here before the agent restores it); counted when smaller
 * @param unreclaimedBytes ballast bytes whose blocks may still be backed in the image: grown bytes until a reclaim
 *     result says they are punched, and everything when the agent could not say where the ballast lies
 * @param tamperedBytes the most a reclaim found written back into punched ranges; counted as unreclaimed for good
 *     (a guest that did it once can do it again at any time)
 * @param extents where the ballast lies, when the agent could say
 * @param reclaimedAt when its ranges were last punched; empty when never
 * @param punchedExtents the ranges of the ballast proven punched and still ballast: what a reclaim need not punch
 *     again, and where data found later was written back by the guest (ranges a deflate handed back leave it, so
 *     blocks the guest used in between and a later inflate takes again are punched as new, not called tampering)
 */
public record BallastSlot(
        String mountPoint,
        long appliedBytes,
        long appliedGeneration,
        Optional<Long> reportedBytes,
        long unreclaimedBytes,
        long tamperedBytes,
        Optional<List<Extent>> extents,
        Optional<Instant> reclaimedAt,
        List<Extent> punchedExtents) {

    public BallastSlot {
        punchedExtents = punchedExtents == null ? List.of() : ExtentSets.normalized(punchedExtents);
        if (appliedBytes < 0 || unreclaimedBytes < 0 || tamperedBytes < 0) {
            throw new IllegalArgumentException("negative ballast in " + mountPoint);
        }
        extents = extents.map(List::copyOf);
    }

    /** A filesystem with no ballast yet. */
    public static BallastSlot empty(String mountPoint) {
        return new BallastSlot(mountPoint, 0, 0, Optional.empty(), 0, 0, Optional.empty(), Optional.empty(), List.of());
    }

    /** The ballast this slot can be trusted to hold: the acknowledged size, or less when a report saw less. */
    public long trustedBytes() {
        return Math.min(appliedBytes, reportedBytes.orElse(appliedBytes));
    }

    /**
     * The slot after the agent acknowledged {@code bytes} at {@code generation}. Grown bytes are unreclaimed until a
     * reclaim proves them punched (all of the ballast when the agent could not say where it lies); shrinking hands
     * the cut tail back to the guest, whose effective size now counts it.
     */
    BallastSlot applied(long bytes, long generation, Optional<List<Extent>> newExtents) {
        long grown = Math.max(0, bytes - appliedBytes);
        long unreclaimed = newExtents.isEmpty() ? bytes : Math.min(bytes, unreclaimedBytes + grown);
        List<Extent> stillPunched = newExtents
                .map(now -> ExtentSets.intersection(punchedExtents, now))
                .orElse(List.of());
        return new BallastSlot(
                mountPoint,
                bytes,
                generation,
                Optional.empty(),
                unreclaimed,
                tamperedBytes,
                newExtents,
                reclaimedAt,
                stillPunched);
    }

    BallastSlot reported(long bytes) {
        return new BallastSlot(
                mountPoint,
                appliedBytes,
                appliedGeneration,
                Optional.of(bytes),
                unreclaimedBytes,
                tamperedBytes,
                extents,
                reclaimedAt,
                punchedExtents);
    }

    /**
     * The slot after the agent found its ballast gone or cut and made it again ({@code bytes} now, at {@code
     * newExtents}, under the same generation): none of the new blocks is known to be punched.
     */
    BallastSlot recreated(long bytes, Optional<List<Extent>> newExtents) {
        return new BallastSlot(
                mountPoint,
                bytes,
                appliedGeneration,
                Optional.empty(),
                bytes,
                tamperedBytes,
                newExtents,
                reclaimedAt,
                List.of());
    }

    /** The slot after a tamper check measured {@code tampered} bytes written back into its punched ranges. */
    BallastSlot checked(long tampered, Instant at) {
        return new BallastSlot(
                mountPoint,
                appliedBytes,
                appliedGeneration,
                reportedBytes,
                unreclaimedBytes,
                Math.max(tamperedBytes, tampered),
                extents,
                Optional.of(at),
                punchedExtents);
    }

    /**
     * The slot after a reclaim of the extents of {@code generation} punched them, having found {@code tampered}
     * bytes written back. Only a reclaim of the latest acknowledged extents clears the unreclaimed bytes; an older
     * one says nothing of what grew since.
     */
    BallastSlot reclaimed(long generation, long tampered, Instant at, List<Extent> punched) {
        boolean latest = generation == appliedGeneration;
        List<Extent> nowPunched = latest
                ? ExtentSets.intersection(ExtentSets.union(punchedExtents, punched), extents.orElse(List.of()))
                : punchedExtents;
        return new BallastSlot(
                mountPoint,
                appliedBytes,
                appliedGeneration,
                reportedBytes,
                generation == appliedGeneration ? 0 : unreclaimedBytes,
                Math.max(tamperedBytes, tampered),
                extents,
                latest ? Optional.of(at) : reclaimedAt,
                nowPunched);
    }

    /** The ranges of the ballast not proven punched: what a reclaim of it punches. */
    public List<Extent> unpunchedExtents() {
        return extents.map(all -> ExtentSets.difference(all, punchedExtents)).orElse(List.of());
    }
}
