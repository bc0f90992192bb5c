package io.ballast.worker.jobs;

import java.util.Arrays;

/** Where a job stands, as its record and its progress events name it. */
public enum JobStep {
    /** The job's fields (and, for a reclaim, its extents against the image) are being checked. */
    CHECK("check"),
    /** A scan job reading the image's layout. */
    SCAN("scan"),
    /** A reclaim job punching the ballast's extents out of the image. */
    PUNCH("punch"),
    /** A dry run's plan. */
    PLAN("plan"),
    /** Taking the VM's lease. */
    LEASE("lease"),
    POWER_OFF("power-off"),
    /** The image renamed to the job's own name, so nothing can start the VM on it. */
    LOCK("lock"),
    /** The resize transaction; its own steps are reported as {@code resize N/COUNT}. */
    RESIZE("resize"),
    /** The image renamed back. */
    UNLOCK("unlock"),
    POWER_ON("power-on"),
    /** A job that finished before was sent again. */
    DONE("done");

    private final String wireName;

    JobStep(String wireName) {
        this.wireName = wireName;
    }

    /** The name on {@code ballast.worker.progress.v1} and in the job record, e.g. {@code power-off}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The step a record names; a resize sub-step ({@code resize 3/7}) as written by earlier versions is
     * {@link #RESIZE}.
     *
     * @throws IllegalArgumentException for a name no step has
     */
    public static JobStep fromWire(String name) {
        String first = name.strip().split(" ", 2)[0];
        return Arrays.stream(values())
                .filter(step -> step.wireName.equals(first))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("'" + name + "' is not a job step"));
    }
}
