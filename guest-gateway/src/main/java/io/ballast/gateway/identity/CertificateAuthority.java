package io.ballast.gateway.identity;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The authority behind agent identities: one CA per installation, a server certificate for the gateways, and one
 * client certificate per VM whose subject common name is the VM id. Keys are EC P-256; key stores are PKCS#12 files
 * readable by root only.
 *
 * <p>Files in the directory: {@code ca.p12} (CA key, kept), {@code ca.pem} (CA certificate, the trust anchor of
 * gateways and agents), {@code gateway.p12} (gateway key and certificate chain), {@code vm-<id>.p12} (an agent's key
 * and chain).
 */
public final class CertificateAuthority {

    /** What a VM id may be: it names files and is matched exactly against messages. */
    public static final Pattern VM_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    static final String CA_ALIAS = "ca";
    static final String KEY_ALIAS = "key";
    private static final Duration CA_LIFETIME = Duration.ofDays(3650);
    private static final Duration LEAF_LIFETIME = Duration.ofDays(825);
    private static final String SIGNATURE = "SHA256withECDSA";

    private final Path directory;
    private final char[] password;
    private final PrivateKey caKey;
    private final X509Certificate caCertificate;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(Path directory, char[] password, PrivateKey caKey, X509Certificate caCertificate) {
        this.directory = directory;
        this.password = password;
        this.caKey = caKey;
        this.caCertificate = caCertificate;
    }

    /**
     * Creates a new CA in {@code directory} (which must not hold one) and a gateway certificate valid for
     * {@code gatewayNames} (DNS names or IP addresses).
     */
    public static CertificateAuthority create(Path directory, char[] password, List<String> gatewayNames)
            throws IOException, GeneralSecurityException {
        Files.createDirectories(directory);
        if (Files.exists(directory.resolve("ca.p12"))) {
            throw new IOException(directory.resolve("ca.p12") + " exists already; an installation has one CA");
        }
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=Ballast agents CA");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                subject,
                serial(new SecureRandom()),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(CA_LIFETIME)),
                subject,
                keys.getPublic());
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(
                Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        X509Certificate certificate = sign(builder, keys.getPrivate());
        CertificateAuthority authority = new CertificateAuthority(directory, password, keys.getPrivate(), certificate);
        authority.writeKeyStore(
                directory.resolve("ca.p12"), CA_ALIAS, keys.getPrivate(), new Certificate[] {certificate});
        authority.writePem(directory.resolve("ca.pem"), certificate);
        authority.issueGateway(gatewayNames);
        return authority;
    }

    /** The CA kept in {@code directory}. */
    public static CertificateAuthority open(Path directory, char[] password)
            throws IOException, GeneralSecurityException {
        Path file = directory.resolve("ca.p12");
        if (!Files.exists(file)) {
            throw new IOException("no CA in " + directory + " (run ./ballast certs init first)");
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return new CertificateAuthority(
                directory, password, (PrivateKey) store.getKey(CA_ALIAS, password), (X509Certificate)
                        store.getCertificate(CA_ALIAS));
    }

    /** A VM's client key and certificate chain: its certificate, then the CA's. */
    public record AgentCredentials(PrivateKey key, List<X509Certificate> chain) {}

    /** Issues the client certificate of VM {@code vmId} into {@code vm-<vmId>.p12} and returns its path. */
    public Path issueAgent(String vmId) throws IOException, GeneralSecurityException {
        AgentCredentials credentials = agentCredentials(vmId);
        Path file = directory.resolve("vm-" + vmId + ".p12");
        writeKeyStore(file, KEY_ALIAS, credentials.key(), credentials.chain().toArray(Certificate[]::new));
        return file;
    }

    /** Issues the client certificate of VM {@code vmId} in memory only (simulated agents of the benchmark). */
    public AgentCredentials agentCredentials(String vmId) throws GeneralSecurityException {
        if (vmId == null || !VM_ID.matcher(vmId).matches()) {
            throw new IllegalArgumentException("VM id '" + vmId + "' is not 1 to 128 letters, digits, '.', '_' or '-'"
                    + " starting with a letter or digit");
        }
        KeyPair keys = keyPair();
        X509v3CertificateBuilder builder = leaf(new X500Name("CN=" + vmId), keys);
        try {
            builder.addExtension(
                    Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot add certificate extensions: " + e.getMessage(), e);
        }
        X509Certificate certificate = sign(builder, caKey);
        return new AgentCredentials(keys.getPrivate(), List.of(certificate, caCertificate));
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    private void issueGateway(List<String> names) throws IOException, GeneralSecurityException {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("the gateway certificate needs at least one name");
        }
        KeyPair keys = keyPair();
        X509v3CertificateBuilder builder = leaf(new X500Name("CN=" + names.getFirst()), keys);
        List<GeneralName> alternatives = new ArrayList<>();
        for (String name : names) {
            alternatives.add(
                    isAddress(name)
                            ? new GeneralName(GeneralName.iPAddress, name)
                            : new GeneralName(GeneralName.dNSName, name));
        }
        builder.addExtension(
                Extension.subjectAlternativeName, false, new GeneralNames(alternatives.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        X509Certificate certificate = sign(builder, caKey);
        writeKeyStore(directory.resolve("gateway.p12"), KEY_ALIAS, keys.getPrivate(), new Certificate[] {
            certificate, caCertificate
        });
    }

    private X509v3CertificateBuilder leaf(X500Name subject, KeyPair keys) throws GeneralSecurityException {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                caCertificate,
                serial(random),
                Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(LEAF_LIFETIME)),
                subject,
                keys.getPublic());
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(
                    Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCertificate));
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot add certificate extensions: " + e.getMessage(), e);
        }
        return builder;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign a certificate: " + e.getMessage(), e);
        }
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private void writeKeyStore(Path file, String alias, PrivateKey key, Certificate[] chain)
            throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(alias, key, password, chain);
        try (OutputStream out = createPrivate(file)) {
            store.store(out, password);
        }
    }

    private void writePem(Path file, X509Certificate certificate) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
            pem.writeObject(certificate);
        }
        Files.writeString(file, text.toString(), StandardCharsets.US_ASCII);
    }

    private static OutputStream createPrivate(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.newOutputStream(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static boolean isAddress(String name) {
        if (!name.matches("[0-9.]+") && !name.contains(":")) {
            return false;
        }
        try {
            InetAddress.ofLiteral(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
