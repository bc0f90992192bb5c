package io.ballast.linux;

import java.io.IOException;

/** A system call failed; carries the call as made and the errno it returned. */
public final class SyscallException extends IOException {

    private final String call;
    private final int errno;

    SyscallException(String call, int errno, String description) {
        super(call + ": " + description + " (" + Errno.name(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The call with its arguments, e.g. {@code fallocate(/.ballast, 0, 0, 1073741824)}. */
    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }

    /** Whether the call failed because the filesystem is full (ENOSPC) or the quota is exhausted (EDQUOT). */
    public boolean isNoSpace() {
        return errno == Errno.ENOSPC || errno == Errno.EDQUOT;
    }
}
