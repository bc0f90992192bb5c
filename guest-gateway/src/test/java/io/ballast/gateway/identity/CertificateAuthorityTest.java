package io.ballast.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    private static final char[] PASSWORD = "secret".toCharArray();

    @TempDir
    Path temp;

    @Test
    void anAgentCertificateAuthenticatesItsVmInARealMutualTlsHandshake() throws Exception {
        CertificateAuthority.create(temp, PASSWORD, List.of("localhost", "127.0.0.1"));
        Path agent = CertificateAuthority.open(temp, PASSWORD).issueAgent("vm-42");

        SSLContext server = context(temp.resolve("gateway.p12"));
        SSLContext client = context(agent);
        try (SSLServerSocket listening = (SSLServerSocket)
                server.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listening.setNeedClientAuth(true);
            CompletableFuture<Optional<String>> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listening.accept()) {
                    accepted.startHandshake();
                    return AgentIdentity.vmId(accepted.getSession().getPeerCertificates());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket socket =
                    (SSLSocket) client.getSocketFactory().createSocket("localhost", listening.getLocalPort())) {
                var parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                assertThat(seen.get(10, TimeUnit.SECONDS)).contains("vm-42");
            }
        }
    }

    @Test
    void certificatesChainToTheCaAndKeysAreRootOnly() throws Exception {
        CertificateAuthority authority = CertificateAuthority.create(temp, PASSWORD, List.of("gw.example", "10.0.0.7"));
        Path agent = authority.issueAgent("vm.one_1");

        X509Certificate ca;
        try (InputStream in = Files.newInputStream(temp.resolve("ca.pem"))) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        assertThat(ca).isEqualTo(authority.caCertificate());
        X509Certificate leaf = (X509Certificate) keyStore(agent).getCertificateChain(CertificateAuthority.KEY_ALIAS)[0];
        leaf.verify(ca.getPublicKey());
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=vm.one_1");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        X509Certificate gateway = (X509Certificate)
                keyStore(temp.resolve("gateway.p12")).getCertificateChain(CertificateAuthority.KEY_ALIAS)[0];
        gateway.verify(ca.getPublicKey());
        assertThat(gateway.getSubjectAlternativeNames().stream()
                        .map(name -> (Object) name.get(1))
                        .toList())
                .containsExactly("gw.example", "10.0.0.7");
        for (String file : List.of("ca.p12", "gateway.p12", "vm-vm.one_1.p12")) {
            assertThat(Files.getPosixFilePermissions(temp.resolve(file)))
                    .as(file)
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
    }

    @Test
    void aVmIdThatCannotNameAnAgentIsRefused() throws Exception {
        CertificateAuthority authority = CertificateAuthority.create(temp, PASSWORD, List.of("localhost"));

        for (String bad : new String[] {"", "../etc", "vm 1", "-vm", "vm/1", "x".repeat(129)}) {
            assertThatThrownBy(() -> authority.issueAgent(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("VM id '" + bad + "'");
        }
        try (var files = Files.list(temp)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("ca.p12", "ca.pem", "gateway.p12");
        }
    }

    @Test
    void thereIsOneCaAndAWrongPasswordDoesNotOpenIt() throws Exception {
        CertificateAuthority.create(temp, PASSWORD, List.of("localhost"));

        assertThatThrownBy(() -> CertificateAuthority.create(temp, PASSWORD, List.of("localhost")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("exists already");
        assertThatThrownBy(() -> CertificateAuthority.open(temp, "wrong".toCharArray()))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> CertificateAuthority.open(temp.resolve("none"), PASSWORD))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no CA in");
    }

    private static KeyStore keyStore(Path file) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private SSLContext context(Path keyStoreFile) throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore(keyStoreFile), PASSWORD);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(temp.resolve("ca.pem"))) {
            trust.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trusts = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusts.init(trust);
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(keys.getKeyManagers(), trusts.getTrustManagers(), null);
        return context;
    }
}
