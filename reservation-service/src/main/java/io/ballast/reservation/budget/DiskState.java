package io.ballast.reservation.budget;

/** Where a disk's ballast stands, as the reservation service drives it. */
public enum DiskState {
    /** No command in flight and nothing waiting to be reclaimed. */
    STEADY,
    /** A larger ballast was sent; it counts only once the agent acknowledges it. */
    INFLATING,
    /** The ballast grew; its blocks are being punched out of the backing image. */
    RECLAIMING,
    /** A smaller ballast was sent; it counted the moment it was sent. */
    DEFLATING,
    /** The agent is offline: nothing is granted on this disk's account until it is back. */
    FROZEN
}
