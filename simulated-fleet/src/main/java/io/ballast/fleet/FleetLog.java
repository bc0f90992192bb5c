package io.ballast.fleet;

import io.ballast.local.fleet.FleetLayout;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the simulated fleet says, one line each: every agent's commands and reconnections while the fleet is small
 * enough to read them ({@code perVm}), and a summary of the last interval always.
 */
final class FleetLog {

    private static final double GIB = 1L << 30;

    private final PrintStream out;
    private final boolean perVm;
    private final AtomicInteger connected = new AtomicInteger();
    private final AtomicInteger inflates = new AtomicInteger();
    private final AtomicInteger deflates = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger disconnects = new AtomicInteger();
    private final AtomicInteger fulls = new AtomicInteger();
    private final AtomicLong inflatedBytes = new AtomicLong();
    private final AtomicLong deflatedBytes = new AtomicLong();

    FleetLog(PrintStream out, boolean perVm) {
        this.out = out;
        this.perVm = perVm;
    }

    void info(String line) {
        out.println(line);
    }

    void warn(String line) {
        out.println("WARN " + line);
    }

    void connected(FleetLayout.Vm vm) {
        connected.incrementAndGet();
        if (perVm) {
            out.println("vm=" + vm.name() + " agent connected to the gateway");
        }
    }

    void disconnected(FleetLayout.Vm vm, String why, long waitMillis) {
        disconnects.incrementAndGet();
        if (perVm) {
            out.printf(Locale.ROOT, "vm=%s session ended (%s); reconnecting in %d ms%n", vm.name(), why, waitMillis);
        }
    }

    void applied(FleetLayout.Vm vm, long generation, long before, long after) {
        if (after > before) {
            inflates.incrementAndGet();
            inflatedBytes.addAndGet(after - before);
        } else if (after < before) {
            deflates.incrementAndGet();
            deflatedBytes.addAndGet(before - after);
        }
        if (perVm && after != before) {
            out.printf(
                    Locale.ROOT,
                    "vm=%s ballast %s %.2f GiB -> %.2f GiB (generation %d)%n",
                    vm.name(),
                    after > before ? "inflated" : "deflated",
                    before / GIB,
                    after / GIB,
                    generation);
        }
    }

    /** A guest's filesystem filled its effective size: the guest warns, its datastore stays within its limit. */
    void full(FleetLayout.Vm vm, long utilizedBytes, long effectiveBytes) {
        fulls.incrementAndGet();
        if (perVm) {
            out.printf(
                    Locale.ROOT,
                    "vm=%s filesystem / full: %.2f of its %.2f GiB effective used; the guest warns, the datastore"
                            + " stays within its limit%n",
                    vm.name(),
                    utilizedBytes / GIB,
                    effectiveBytes / GIB);
        }
    }

    void noSpace(FleetLayout.Vm vm, long generation, long targetBytes, long freeBytes) {
        refused.incrementAndGet();
        if (perVm) {
            out.printf(
                    Locale.ROOT,
                    "vm=%s ballast of %.2f GiB refused: the guest's data leaves %.2f GiB (generation %d)%n",
                    vm.name(),
                    targetBytes / GIB,
                    freeBytes / GIB,
                    generation);
        }
    }

    /** The summary of the interval since the last, with the fleet's state now, in {@code FleetSummary}'s form. */
    void summary(int agents, int sessions, long utilizedBytes, long ballastBytes, long imageBytes) {
        out.printf(
                Locale.ROOT,
                "fleet: %d/%d agents connected; guests use %.1f GiB, ballasts %.1f GiB, images hold %.1f MiB;"
                        + " since the last summary %d inflates (+%.1f GiB), %d deflates (-%.1f GiB), %d refused for"
                        + " want of space, %d guests filled up, %d sessions ended%n",
                sessions,
                agents,
                utilizedBytes / GIB,
                ballastBytes / GIB,
                imageBytes / (double) (1 << 20),
                inflates.getAndSet(0),
                inflatedBytes.getAndSet(0) / GIB,
                deflates.getAndSet(0),
                deflatedBytes.getAndSet(0) / GIB,
                refused.getAndSet(0),
                fulls.getAndSet(0),
                disconnects.getAndSet(0));
        connected.set(0);
    }
}
