package io.ballast.agent.ballast;

/**
 * A command to set the ballast of one filesystem to an exact size. Generations grow per VM and disk; a newer one
 * supersedes an older one.
 */
public record SetSize(String vmId, String diskId, String mountPoint, long generation, long targetBytes) {

    public SetSize {
        if (generation < 1) {
            throw new IllegalArgumentException("generation " + generation + " is not positive");
        }
        if (targetBytes < 0) {
            throw new IllegalArgumentException("target size " + targetBytes + " is negative");
        }
        if (mountPoint == null || !mountPoint.startsWith("/")) {
            throw new IllegalArgumentException("mount point '" + mountPoint + "' is not an absolute path");
        }
    }
}
