package io.ballast.local.launch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Programs that run for one purpose and stop together, once: the local stack, a benchmark's broker and gateway. The
 * first {@link #stop} stops them newest first, the programs of one {@link #startTogether} together (SIGTERM to each,
 * then waiting for each), and runs the owner's {@link Owner#stopped cleanup}; a stop that comes while it runs (the
 * shutdown hook while the program closes the group, or the other way round) waits until it is done. The JVM's shutdown
 * (SIGINT, SIGTERM, SIGHUP, {@code System.exit}) stops the group too. Once a stop has begun nothing more starts.
 * Thread-safe.
 *
 * <pre>{@code
 * ProgramGroup programs = ProgramGroup.open("the benchmark's stack", how -> deleteTheRunDirectory());
 * LaunchedProgram kafka = programs.start(Launch.of("Kafka", command));
 * ...
 * programs.close();
 * }</pre>
 */
public final class ProgramGroup implements AutoCloseable {

    /** What the owner of a group does around its one stop; each method runs on the thread that stops the group. */
    @FunctionalInterface
    public interface Owner {

        /** Before the first program is stopped, e.g. to say so. */
        default void stopping() {}

        /**
         * Once every program has stopped, before any other caller of {@link #stop} returns: the owner's cleanup.
         *
         * @param how how each program's stop ended, in the order they were stopped
         */
        void stopped(Map<LaunchedProgram, LaunchedProgram.Stopped> how);

        /**
         * After the JVM's shutdown hook stopped the group (and was the first to), e.g. to end with the exit status a
         * stop by signal should give ({@code Runtime.halt}).
         */
        default void stoppedAtShutdown() {}
    }

    private final String name;
    private final Owner owner;
    private final Thread shutdownHook;
    private final List<List<LaunchedProgram>> batches = new ArrayList<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private boolean stopping;

    private ProgramGroup(String name, Owner owner) {
        this.name = name;
        this.owner = owner;
        this.shutdownHook = new Thread(this::stopAtShutdown, "stop " + name);
    }

    /**
     * An empty group, stopped also by the JVM's shutdown.
     *
     * @param name what messages call the group, e.g. {@code "the benchmark's stack"}
     */
    public static ProgramGroup open(String name, Owner owner) {
        ProgramGroup group = new ProgramGroup(name, owner);
        Runtime.getRuntime().addShutdownHook(group.shutdownHook);
        return group;
    }

    /**
     * Starts a program of the group: stopped on its own, after the programs started later.
     *
     * @throws CancellationException when the group is stopping (nothing was started)
     * @throws java.io.UncheckedIOException naming the program when it cannot be started
     */
    public LaunchedProgram start(Launch launch) {
        return startTogether(List.of(launch)).getFirst();
    }

    /**
     * Starts programs of the group that are stopped together, after the programs started later. When one cannot be
     * started, those started before it stay in the group and are stopped with it.
     *
     * @throws CancellationException when the group is stopping (nothing was started)
     * @throws java.io.UncheckedIOException naming the program that cannot be started
     */
    public synchronized List<LaunchedProgram> startTogether(List<Launch> launches) {
        if (stopping) {
            throw new CancellationException(name + " is stopping");
        }
        List<LaunchedProgram> batch = new ArrayList<>();
        batches.add(batch);
        for (Launch launch : launches) {
            batch.add(Launcher.start(launch));
        }
        return List.copyOf(batch);
    }

    /**
     * Stops the group, once. The first call runs {@code first} (e.g. saying why), the owner's
     * {@link Owner#stopping}, stops every program (SIGTERM, SIGKILL after {@link LaunchedProgram#STOP_GRACE}) and
     * runs the owner's {@link Owner#stopped}, and returns true. Any other call runs nothing, waits until the first is
     * done (at most twice the grace) and returns false.
     *
     * @throws InterruptedException when interrupted while programs are being stopped: those not yet stopped are still
     *     running; {@link #close()} kills them
     */
    public boolean stop(Runnable first) throws InterruptedException {
        List<List<LaunchedProgram>> newestFirst;
        synchronized (this) {
            if (!stopping) {
                stopping = true;
                newestFirst = batches.reversed().stream().map(List::copyOf).toList();
            } else {
                newestFirst = null;
            }
        }
        if (newestFirst == null) {
            stopped.await(2 * LaunchedProgram.STOP_GRACE.toSeconds(), TimeUnit.SECONDS);
            return false;
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs already: its stop waits for this one
            }
        }
        try {
            first.run();
            owner.stopping();
            Map<LaunchedProgram, LaunchedProgram.Stopped> how = new LinkedHashMap<>();
            for (List<LaunchedProgram> batch : newestFirst) {
                how.putAll(Launcher.stopTogether(batch));
            }
            owner.stopped(how);
        } finally {
            stopped.countDown();
        }
        return true;
    }

    /** {@link #stop} with nothing to say first; interrupted, it kills what still runs. Idempotent. */
    @Override
    public void close() {
        try {
            stop(() -> {});
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            List<LaunchedProgram> running;
            synchronized (this) {
                running = batches.stream().flatMap(List::stream).toList();
            }
            // With the interrupt set, each close kills at once.
            running.forEach(LaunchedProgram::close);
        }
    }

    private void stopAtShutdown() {
        try {
            if (stop(() -> {})) {
                owner.stoppedAtShutdown();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
