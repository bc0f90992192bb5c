package io.ballast.agent.ballast;

import io.ballast.agent.state.FilesystemState;
import io.ballast.agent.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Applies {@link SetSize} commands to the ballasts: each generation at most once, a repeated generation answered
 * with the outcome remembered for it, an older one ignored. The outcome is durable in the {@link StateStore} before
 * it is returned, so a restarted agent answers the same way. Ballasts deleted or cut behind the agent's back are
 * recreated by {@link #reconcile}.
 */
public final class BallastKeeper {

    private final Ballasts ballasts;
    private final StateStore store;

    public BallastKeeper(Ballasts ballasts, StateStore store) {
        this.ballasts = ballasts;
        this.store = store;
    }

    /** Applies the command unless its generation was already applied or is older than the newest one. */
    public synchronized Outcome apply(SetSize command) throws IOException {
        Optional<FilesystemState> state = store.load(command.mountPoint());
        if (state.isPresent()) {
            Outcome last = state.get().lastOutcome();
            if (command.generation() < last.generation()) {
                return new Outcome.Stale(command.generation(), last.generation());
            }
            if (command.generation() == last.generation()) {
                return last;
            }
        }
        boolean recreated = state.map(s -> hadBallast(s.lastOutcome())).orElse(false) && !exists(command.mountPoint());
        Outcome outcome = set(command.generation(), command.mountPoint(), command.targetBytes(), recreated);
        store.save(new FilesystemState(command.mountPoint(), outcome));
        return outcome;
    }

    /** The newest generation applied (or failed) on the filesystem mounted at {@code mountPoint}; 0 if none. */
    public synchronized long lastGeneration(String mountPoint) throws IOException {
        return store.load(mountPoint)
                .map(state -> state.lastOutcome().generation())
                .orElse(0L);
    }

    /**
     * Brings back every ballast that is no longer what was last applied (deleted, cut or grown by someone else) on
     * the given filesystems; returns what was recreated, by mount point, to be reported.
     */
    public synchronized Map<String, Outcome> reconcile(Collection<String> mountPoints) throws IOException {
        Map<String, Outcome> recreated = new LinkedHashMap<>();
        for (String mountPoint : mountPoints) {
            Optional<FilesystemState> state = store.load(mountPoint);
            if (state.isEmpty() || !(state.get().lastOutcome() instanceof Outcome.Applied applied)) {
                continue;
            }
            if (!exists(mountPoint) || currentSize(mountPoint) != applied.actualBytes()) {
                Outcome outcome = set(applied.generation(), mountPoint, applied.actualBytes(), true);
                store.save(new FilesystemState(mountPoint, outcome));
                recreated.put(mountPoint, outcome);
            }
        }
        return recreated;
    }

    private Outcome set(long generation, String mountPoint, long targetBytes, boolean recreated) {
        try {
            BallastReport report = ballasts.set(Path.of(mountPoint), targetBytes);
            return new Outcome.Applied(
                    generation, report.sizeBytes(), report.allocatedBytes(), report.extents(), recreated);
        } catch (BallastException.NoSpace e) {
            return new Outcome.Failed(
                    generation, Outcome.Failure.NO_SPACE, e.getMessage(), e.actualBytes(), e.freeBytesSeen());
        } catch (BallastException.Refused e) {
            return new Outcome.Failed(generation, Outcome.Failure.UNKNOWN_FILESYSTEM, e.getMessage(), 0, 0);
        } catch (BallastException e) {
            // BallastException.Failed: a system call failed; the ballast is whatever size it has now.
            return new Outcome.Failed(
                    generation, Outcome.Failure.IO_ERROR, e.getMessage(), currentSizeOrZero(mountPoint), 0);
        }
    }

    private static boolean hadBallast(Outcome outcome) {
        return outcome instanceof Outcome.Applied applied && applied.actualBytes() > 0;
    }

    private static boolean exists(String mountPoint) {
        return Files.exists(Path.of(mountPoint, Ballasts.FILE_NAME), LinkOption.NOFOLLOW_LINKS);
    }

    private long currentSize(String mountPoint) throws IOException {
        try {
            return ballasts.show(Path.of(mountPoint)).sizeBytes();
        } catch (BallastException e) {
            throw new IOException("cannot read the ballast of " + mountPoint + ": " + e.getMessage(), e);
        }
    }

    private long currentSizeOrZero(String mountPoint) {
        try {
            return currentSize(mountPoint);
        } catch (IOException e) {
            return 0;
        }
    }
}
