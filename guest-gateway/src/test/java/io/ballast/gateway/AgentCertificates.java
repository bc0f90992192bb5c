package io.ballast.gateway;

import io.ballast.gateway.identity.CertificateAuthority;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Quarkus test resource: a fresh CA with the gateway's certificate, and agent certificates for VMs {@code vm-1} to
 * {@code vm-9}, in a temporary directory the gateway is configured with. Tests find the directory through
 * {@link #directory()}.
 */
public class AgentCertificates implements QuarkusTestResourceLifecycleManager {

    public static final char[] PASSWORD = "ballast".toCharArray();
    private static volatile Path directory;

    public static Path directory() {
        return directory;
    }

    @Override
    public Map<String, String> start() {
        try {
            Path created = Files.createTempDirectory("ballast-certs-");
            CertificateAuthority authority =
                    CertificateAuthority.create(created, PASSWORD, List.of("localhost", "127.0.0.1"));
            for (int i = 1; i <= 9; i++) {
                authority.issueAgent("vm-" + i);
            }
            directory = created;
            return Map.of("ballast.gateway.certs", created.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        Path current = directory;
        if (current == null) {
            return;
        }
        try (var files = Files.walk(current)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
