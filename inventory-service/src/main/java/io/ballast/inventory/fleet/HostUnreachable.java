package io.ballast.inventory.fleet;

/** A host's hypervisor could not be asked (unreachable, refused, or answered what does not read): nothing is known. */
public final class HostUnreachable extends Exception {

    private final String uri;

    public HostUnreachable(String uri, String what, Throwable cause) {
        super("could not " + what + " on " + uri + ": " + (cause == null ? "" : cause.getMessage()), cause);
        this.uri = uri;
    }

    public String uri() {
        return uri;
    }
}
