package io.ballast.agent.ballast;

/** Why a ballast operation did not happen; the ballast is as it was before. */
public abstract sealed class BallastException extends Exception
        permits BallastException.Refused, BallastException.NoSpace, BallastException.Failed {

    BallastException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The request or the place cannot be served: not a mount point, read-only, a ballast path that is not a file. */
    public static final class Refused extends BallastException {
        public Refused(String message) {
            super(message, null);
        }
    }

    /** The filesystem has no room for the size asked; the ballast is back at its previous size. */
    public static final class NoSpace extends BallastException {
        private final long requestedBytes;
        private final long actualBytes;
        private final long freeBytesSeen;

        public NoSpace(String path, long requestedBytes, long actualBytes, long freeBytesSeen, Throwable cause) {
            super(
                    "no space on the filesystem for a ballast of " + requestedBytes + " bytes at " + path + " ("
                            + freeBytesSeen + " bytes free); kept it at " + actualBytes + " bytes",
                    cause);
            this.requestedBytes = requestedBytes;
            this.actualBytes = actualBytes;
            this.freeBytesSeen = freeBytesSeen;
        }

        public long requestedBytes() {
            return requestedBytes;
        }

        /** The ballast's size after the failed inflate: its size before it. */
        public long actualBytes() {
            return actualBytes;
        }

        /** Free bytes the agent saw on the filesystem when the inflate failed. */
        public long freeBytesSeen() {
            return freeBytesSeen;
        }
    }

    /** A system call failed in a way that is not about space; the message names the call and the errno. */
    public static final class Failed extends BallastException {
        public Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
