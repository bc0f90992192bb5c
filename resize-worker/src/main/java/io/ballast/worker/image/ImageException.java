package io.ballast.worker.image;

import java.nio.file.Path;

/**
 * An image operation that did not happen as asked, saying whether anything changed: {@link Refused} promises the
 * image is as it was; {@link Interrupted} says a resize is half done, where its journal is and which step stopped.
 * Callers tell them apart by type (the command line exits 2 for the first, 1 for the second).
 */
public abstract sealed class ImageException extends Exception
        permits ImageException.Refused, ImageException.Interrupted {

    private ImageException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The image, its container, its table or the request is not one Ballast works on; nothing was changed. The
     * message names the offending value.
     */
    public static final class Refused extends ImageException {
        public Refused(String message) {
            super(message, null);
        }

        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A resize stopped inside its transaction: steps before {@code stepNumber} are done, step {@code stepNumber} may
     * be half done, and {@code journal} records it all. Running the same resize again (same image, same options)
     * continues it.
     *
     * @param stepNumber the step that stopped, from 1
     * @param stepCount the steps of the whole resize
     * @param stepDescription what that step does, as the progress output says it
     */
    public static final class Interrupted extends ImageException {
        private final int stepNumber;
        private final int stepCount;
        private final String stepDescription;
        private final Path journal;

        public Interrupted(int stepNumber, int stepCount, String stepDescription, Path journal, Throwable cause) {
            super(
                    "step " + stepNumber + " of " + stepCount + " (" + stepDescription + ") did not finish: "
                            + describe(cause) + "; the image is mid-resize, recorded in " + journal,
                    cause);
            this.stepNumber = stepNumber;
            this.stepCount = stepCount;
            this.stepDescription = stepDescription;
            this.journal = journal;
        }

        public int stepNumber() {
            return stepNumber;
        }

        public int stepCount() {
            return stepCount;
        }

        public String stepDescription() {
            return stepDescription;
        }

        /** The resize journal next to the image. */
        public Path journal() {
            return journal;
        }

        private static String describe(Throwable cause) {
            return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        }
    }
}
