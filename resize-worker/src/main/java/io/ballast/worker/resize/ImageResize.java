package io.ballast.worker.resize;

import io.ballast.cli.ByteSize;
import io.ballast.linux.Fd;
import io.ballast.linux.Syscalls;
import io.ballast.worker.image.Container;
import io.ballast.worker.image.Containers;
import io.ballast.worker.image.ImageException;
import io.ballast.worker.resize.journal.ResizeJournal;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Right-sizes a disk image in place, as one transaction: {@link ImageInspector} reads the image,
 * {@link ResizePlanner} plans the steps, and each step runs through the {@link StepExecutor} and is counted in the
 * {@link ResizeJournal} before the next one begins. Run again after an interruption, a resize continues from its
 * journal (the plan included), finishing or undoing the step that was cut off.
 */
public final class ImageResize {

    /** Told what happens, step by step and within long steps. */
    public interface Listener {
        void step(int number, int count, Step step, boolean resumed);

        void progress(Step step, long doneBytes, long totalBytes);

        /** Step {@code number} finished after {@code took}. */
        default void finished(int number, Step step, Duration took) {}

        Listener NONE = new Listener() {
            @Override
            public void step(int number, int count, Step step, boolean resumed) {}

            @Override
            public void progress(Step step, long doneBytes, long totalBytes) {}
        };
    }

    /** How long one step took in this run. */
    public record StepTime(int number, Step step, Duration took) {}

    /**
     * What a resize did.
     *
     * @param resumed it continued an interrupted resize
     * @param stepTimes each step this run ran, with how long it took
     */
    public record Outcome(
            ResizePlan plan,
            boolean resumed,
            long fileBytesBefore,
            long fileBytesAfter,
            long allocatedBytesBefore,
            long allocatedBytesAfter,
            long movedDataBytes,
            List<StepTime> stepTimes) {

        public Outcome {
            stepTimes = List.copyOf(stepTimes);
        }

        public int stepsRun() {
            return stepTimes.size();
        }
    }

    private ImageResize() {}

    /**
     * Plans the resize of {@code image}: reads it (and checks its filesystems read-only), writes nothing.
     *
     * @throws ImageException.Refused when the image or the request is not one a resize can carry out
     */
    public static ResizePlan preview(Path image, ResizeOptions options) throws ImageException, IOException {
        ImageInspector.Inspection inspection = ImageInspector.inspect(image, options);
        ResizePlan plan = ResizePlanner.plan(inspection, options);
        checkRoomForUndoCopies(inspection.layout().container().data(), plan.steps());
        return plan;
    }

    /**
     * Resizes {@code image}, or continues the resize its journal records. A journal with other options than
     * {@code options} is refused: the interrupted resize must be finished first, as it was asked.
     *
     * @throws ImageException.Refused when the image or the plan is refused; nothing changed
     * @throws ImageException.Interrupted when a step could not finish; the journal stays, and the same call continues
     * @throws IOException when reading the image failed before anything changed
     */
    public static Outcome run(Path image, ResizeOptions options, Listener listener) throws ImageException, IOException {
        Container container = Containers.detect(image);
        Path data = container.data();
        Path journalFile = ResizeJournal.of(data);
        try (ImageGuard guard = ImageGuard.acquire(container)) {
            Optional<ResizeJournal> existing = ResizeJournal.read(journalFile);
            Syscalls.Stat before = Fd.stat(data);
            ResizeJournal journal;
            boolean resumed = existing.isPresent();
            if (resumed) {
                journal = existing.get();
                if (!journal.options().equals(options)) {
                    throw new ImageException.Refused("an interrupted resize of " + image
                            + " was asked with other options ("
                            + journal.options().describe()
                            + "); run it again with those to finish it");
                }
                if (!identity(before).equals(journal.device()) || before.inode() != journal.inode()) {
                    throw new ImageException.Refused("resize journal " + journalFile + " belongs to another file than "
                            + data + " (device/inode differ); it is left as it is");
                }
            } else {
                ResizePlan plan = preview(image, options);
                journal = new ResizeJournal(
                        ResizeJournal.VERSION,
                        identity(before),
                        before.inode(),
                        System.currentTimeMillis(),
                        options,
                        plan,
                        0);
                if (!plan.steps().isEmpty()) {
                    journal.save(journalFile);
                }
            }
            StepExecutor executor = new StepExecutor(container, listener);
            List<Step> steps = journal.plan().steps();
            long moved = 0;
            List<StepTime> times = new ArrayList<>();
            int firstToRun = journal.done();
            for (int index = firstToRun; index < steps.size(); index++) {
                Step step = steps.get(index);
                boolean interrupted = resumed && index == firstToRun;
                try {
                    if (interrupted && index > 0) {
                        // the last finished step may have been recorded without its leftovers removed
                        executor.afterDone(index - 1, steps.get(index - 1));
                    }
                    listener.step(index + 1, steps.size(), step, interrupted);
                    long started = System.nanoTime();
                    moved += executor.execute(journal.plan(), index, step, interrupted);
                    journal = journal.withDone(index + 1);
                    journal.save(journalFile);
                    executor.afterDone(index, step);
                    Duration took = Duration.ofNanos(System.nanoTime() - started);
                    times.add(new StepTime(index + 1, step, took));
                    listener.finished(index + 1, step, took);
                } catch (ImageException | IOException | RuntimeException e) {
                    throw new ImageException.Interrupted(index + 1, steps.size(), step.describe(), journalFile, e);
                }
            }
            if (resumed && firstToRun == steps.size() && firstToRun > 0) {
                executor.afterDone(firstToRun - 1, steps.get(firstToRun - 1));
            }
            ResizeJournal.delete(journalFile);
            Syscalls.Stat after = Fd.stat(data);
            return new Outcome(
                    journal.plan(),
                    resumed,
                    before.sizeBytes(),
                    after.sizeBytes(),
                    before.allocatedBytes(),
                    after.allocatedBytes(),
                    moved,
                    times);
        }
    }

    /**
     * The largest copy a filesystem step will take of its range (see {@link StepExecutor#undoneFromCopy}) must fit
     * next to the image; one is kept at a time. Refused now, before anything changed, when it would not.
     */
    private static void checkRoomForUndoCopies(Path data, List<Step> steps) throws ImageException, IOException {
        long largest = 0;
        try (Fd fd = Fd.readOnly(data)) {
            for (Step step : steps) {
                if (step instanceof Step.ShrinkFilesystem shrink
                        && StepExecutor.undoneFromCopy(shrink.filesystem(), shrink.blockBytes())) {
                    largest = Math.max(
                            largest, fd.dataBytes(shrink.startBytes(), shrink.startBytes() + shrink.fromBytes()));
                }
                if (step instanceof Step.GrowFilesystem grow
                        && StepExecutor.undoneFromCopy(grow.filesystem(), grow.blockBytes())) {
                    // what the partition holds now, and at most the whole of what it grows by
                    largest = Math.max(largest, grow.toBytes());
                }
            }
        }
        if (largest == 0) {
            return;
        }
        Path directory = data.toAbsolutePath().getParent();
        long available;
        try (Fd dir = Fd.readOnly(directory)) {
            available = dir.usage().availableBytes();
        }
        if (largest > available) {
            throw new ImageException.Refused("the resize keeps a copy of a partition to undo a cut-off filesystem"
                    + " step, up to " + ByteSize.human(largest) + ", but " + directory + " has "
                    + ByteSize.human(available) + " free");
        }
    }

    private static String identity(Syscalls.Stat stat) {
        return stat.deviceMajor() + ":" + stat.deviceMinor();
    }
}
