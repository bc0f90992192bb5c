package io.ballast.bench.gateway;

import io.ballast.bench.Stats;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the simulated agents received, for commands published inside the measured window (publish times in
 * {@link System#nanoTime()} terms, from {@code from} inclusive to {@code until} exclusive). Commands of the warm-up
 * are delivered and acknowledged like any other but not counted.
 */
final class Deliveries {

    private volatile long from = Long.MAX_VALUE;
    private volatile long until = Long.MAX_VALUE;
    private long[] latencies = new long[1 << 16];
    private int count;
    private final AtomicInteger superseded = new AtomicInteger();
    private final AtomicInteger resent = new AtomicInteger();
    private final AtomicInteger sessionsLost = new AtomicInteger();
    private final AtomicReference<String> firstLoss = new AtomicReference<>();

    /** Counts commands published from now on. */
    void startWindow() {
        from = System.nanoTime();
    }

    /** Stops counting commands published from now on. */
    void endWindow() {
        until = System.nanoTime();
    }

    long windowStart() {
        return from;
    }

    long windowEnd() {
        return until;
    }

    private boolean inWindow(long published) {
        return published - from >= 0 && published - until < 0;
    }

    void delivered(long published, long received) {
        if (inWindow(published)) {
            synchronized (this) {
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = received - published;
            }
        }
    }

    /** A newer generation for the same disk reached the agent first; the gateway rightly dropped this one. */
    void superseded(long published) {
        if (inWindow(published)) {
            superseded.incrementAndGet();
        }
    }

    /** A generation that had already been received arrived again (a retry). */
    void receivedAgain() {
        resent.incrementAndGet();
    }

    void sessionLost(String vmId, Throwable failure) {
        sessionsLost.incrementAndGet();
        firstLoss.compareAndSet(null, vmId + ": " + (failure == null ? "ended by the gateway" : failure.getMessage()));
    }

    int superseded() {
        return superseded.get();
    }

    int resent() {
        return resent.get();
    }

    int sessionsLost() {
        return sessionsLost.get();
    }

    /** The first lost session and why, if any was lost. */
    String firstLoss() {
        return firstLoss.get();
    }

    /** Latencies of the counted deliveries, in nanoseconds, in the order they arrived ({@link Stats#sorted} them). */
    synchronized long[] latencies() {
        return Arrays.copyOf(latencies, count);
    }
}
