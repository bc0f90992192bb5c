package io.ballast.gateway.session;

import java.time.Instant;

/**
 * A ballast size command for one disk of one VM, as issued by the reservation service.
 *
 * @param issuedAt when the reservation service issued it (its event's occurred-at)
 */
public record Command(
        String vmId, String diskId, String mountPoint, long generation, long targetBytes, Instant issuedAt) {

    public Key key() {
        return new Key(vmId, diskId);
    }

    /** One disk of one VM: commands for it replace each other by generation. */
    public record Key(String vmId, String diskId) {}
}
