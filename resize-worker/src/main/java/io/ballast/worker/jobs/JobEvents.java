package io.ballast.worker.jobs;

/** Where a job's progress goes (the worker publishes it on {@code ballast.worker.progress.v1}). */
public interface JobEvents {

    void started(String jobId);

    void step(String jobId, JobStep step, String detail);

    /** Step {@code number} of {@code count} of the resize transaction began. */
    void resizeStep(String jobId, int number, int count, String detail);

    /** Bytes done within the resize step that {@code stepDescription} describes. */
    void progress(String jobId, String stepDescription, long doneBytes, long totalBytes);

    /** Sizes before and after, and the new layout as lines of text. */
    void finished(String jobId, long imageBefore, long imageAfter, long backedBefore, long backedAfter, String layout);

    /** {@code rolledBack}: the disk and the VM are as they were before the job. */
    void failed(String jobId, JobStep step, String reason, boolean rolledBack);
}
