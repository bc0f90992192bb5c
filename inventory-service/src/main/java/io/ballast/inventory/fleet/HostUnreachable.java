package io.ballast.inventory.fleet;

/** A host's hypervisor could not be asked (unreachable, refused, or answered what does not read): nothing is known. */
public final class HostUnreachable extends Exception {

    private final String uri;

    /**
     * @param what what could not be done, e.g. {@code connect}
     * @param reason what the hypervisor's library said
     */
    public HostUnreachable(String uri, String what, String reason, Throwable cause) {
        super("could not " + what + " on " + uri + ": " + reason, cause);
        this.uri = uri;
    }

    public String uri() {
        return uri;
    }
}
