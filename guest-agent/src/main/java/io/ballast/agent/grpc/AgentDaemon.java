package io.ballast.agent.grpc;

import io.ballast.agent.ballast.BallastKeeper;
import io.ballast.agent.ballast.BallastReport;
import io.ballast.agent.ballast.Ballasts;
import io.ballast.agent.ballast.Telemetry;
import io.ballast.agent.config.AgentConfig;
import io.ballast.agent.state.StateStore;
import io.ballast.proto.agent.v1.AgentSessionServiceGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Enumeration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.KeyManagerFactory;

/**
 * The agent as a daemon: keeps one session with a gateway (mutual TLS with this VM's certificate), reconnects with
 * exponential backoff and jitter after any failure, and stops cleanly when closed.
 */
public final class AgentDaemon implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AgentDaemon.class.getName());
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final AgentConfig config;
    private final String vmId;
    private final ManagedChannel channel;
    private final Ballasts ballasts;
    private final BallastKeeper keeper;
    private final Telemetry telemetry;
    private final String version;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile AgentSession current;

    private AgentDaemon(AgentConfig config, String vmId, ManagedChannel channel, BallastKeeper keeper, String version) {
        this.config = config;
        this.vmId = vmId;
        this.channel = channel;
        this.ballasts = Ballasts.ofThisSystem();
        this.keeper = keeper;
        this.telemetry = new Telemetry(config.telemetryPeriod(), config.telemetryThreshold());
        this.version = version;
    }

    /**
     * Prepares the daemon: reads the certificate (whose common name is the VM id unless the configuration names
     * one), the CA and the state directory.
     *
     * @throws IllegalArgumentException when the certificate does not name a VM or names another one than configured
     */
    public static AgentDaemon create(AgentConfig config, String version) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(config.certificate())) {
            store.load(in, config.certificatePassword());
        }
        String certificateVm = commonName(store, config.certificate());
        if (config.vmId().isPresent() && !config.vmId().get().equals(certificateVm)) {
            throw new IllegalArgumentException("vm-id '" + config.vmId().get() + "' differs from the certificate's VM '"
                    + certificateVm + "' in " + config.certificate());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, config.certificatePassword());
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
                .keyManager(keys.getKeyManagers())
                .trustManager(config.ca().toFile())
                .build();
        avoidDefaultTrustStore();
        ManagedChannel channel = OkHttpChannelBuilder.forAddress(
                        config.gatewayHost(), config.gatewayPort(), credentials)
                .keepAliveTime(30, TimeUnit.SECONDS)
                // The session's callbacks only hand work to its own thread: no executor threads needed.
                .directExecutor()
                .build();
        BallastKeeper keeper = new BallastKeeper(Ballasts.ofThisSystem(), new StateStore(config.stateDirectory()));
        return new AgentDaemon(config, certificateVm, channel, keeper, version);
    }

    /**
     * The agent trusts the installation's CA and nothing else. The TLS transport still initialises the JVM's default
     * SSL context once, which would parse the JDK's public root certificates (about 150) and keep them in memory for
     * the daemon's life; an empty default trust store avoids that. An explicitly configured one is left alone.
     */
    private static void avoidDefaultTrustStore() {
        if (System.getProperty("javax.net.ssl.trustStore") == null) {
            System.setProperty("javax.net.ssl.trustStore", "NONE");
        }
    }

    public String vmId() {
        return vmId;
    }

    /** Runs sessions until {@link #close()}: connect, serve, and on any end wait the backoff and connect again. */
    public void run() throws InterruptedException {
        int failures = 0;
        while (stopped.getCount() > 0) {
            AgentSession session = new AgentSession(
                    AgentSessionServiceGrpc.newStub(channel), vmId, version, config, ballasts, keeper, telemetry);
            current = session;
            Status status = session.runUntilEnded(stopped);
            current = null;
            if (stopped.getCount() == 0) {
                return;
            }
            failures = session.wasWelcomed() ? 0 : failures + 1;
            Duration wait = backoff(failures);
            LOG.log(
                    System.Logger.Level.WARNING,
                    "session with {0}:{1} ended ({2}{3}); reconnecting in {4} ms",
                    config.gatewayHost(),
                    String.valueOf(config.gatewayPort()),
                    status.getCode(),
                    describe(status),
                    wait.toMillis());
            if (stopped.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
        }
    }

    /** The status's description, else its cause's message, so a failed connection says why. */
    static String describe(Status status) {
        if (status.getDescription() != null) {
            return ": " + status.getDescription();
        }
        Throwable cause = status.getCause();
        while (cause != null && cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
        }
        return cause == null ? "" : ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    /** Exponential from one second up to a minute, each wait drawn between half and all of it (jitter). */
    public static Duration backoff(int failures) {
        long ceiling = Math.min(MAX_BACKOFF.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures, 16));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
    }

    @Override
    public void close() {
        stopped.countDown();
        AgentSession session = current;
        if (session != null) {
            session.end();
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The mounts this agent keeps, as reports; mounts that fail to report are logged and left out. */
    static java.util.List<BallastReport> reports(Ballasts ballasts, java.util.List<String> mounts) {
        java.util.List<BallastReport> reports = new java.util.ArrayList<>();
        for (String mount : mounts) {
            try {
                reports.add(ballasts.show(Path.of(mount)));
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "cannot read the ballast of {0}: {1}", mount, e.getMessage());
            }
        }
        return reports;
    }

    private static String commonName(KeyStore store, Path file) throws GeneralSecurityException {
        Enumeration<String> aliases = store.aliases();
        while (aliases.hasMoreElements()) {
            String alias = aliases.nextElement();
            if (store.isKeyEntry(alias) && store.getCertificate(alias) instanceof X509Certificate certificate) {
                try {
                    for (Rdn rdn :
                            new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                        if (rdn.getType().equalsIgnoreCase("CN")) {
                            return rdn.getValue().toString();
                        }
                    }
                } catch (InvalidNameException e) {
                    throw new IllegalArgumentException("certificate in " + file + " has an unreadable subject", e);
                }
            }
        }
        throw new IllegalArgumentException(file + " holds no key with a certificate naming a VM");
    }
}
