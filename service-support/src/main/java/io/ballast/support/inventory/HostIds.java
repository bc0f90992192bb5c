package io.ballast.support.inventory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * How a hypervisor host reached through libvirt is named in the fleet: the URI's host name when it has one
 * ({@code qemu+ssh://root@host-1/system} is {@code host-1}), else the hypervisor's own host name and a hash of the URI
 * (local and test URIs name no host: {@code qemu:///system} on {@code hv7} is {@code hv7-} and eight hex digits).
 * Inventory names the hosts it discovers so, and a resize worker the hosts it serves by their URIs (jobs name the
 * host they run on): one home, so the two never disagree.
 */
public final class HostIds {

    private HostIds() {}

    /** The id of the host {@code uri} reaches, whose hypervisor calls itself {@code hostname}. */
    public static String of(String uri, String hostname) {
        try {
            String host = new URI(uri).getHost();
            if (host != null && !host.isBlank()) {
                return host.toLowerCase(Locale.ROOT);
            }
        } catch (URISyntaxException e) {
            // not a URI java reads: named by the hash below like a local one
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(uri.getBytes(StandardCharsets.UTF_8));
            return (hostname.isBlank() ? "host" : hostname.toLowerCase(Locale.ROOT)) + "-"
                    + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
