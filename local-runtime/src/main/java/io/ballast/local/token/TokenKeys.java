package io.ballast.local.token;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;

/**
 * The RSA key pair bearer tokens are signed with: made once per installation (the local stack keeps it in
 * {@code .ballast/jwt/}), the private half readable by its owner only ({@code 0600}), the public half the PEM file
 * every service verifies tokens with ({@code BALLAST_JWT_PUBLIC_KEY}).
 */
public final class TokenKeys {

    /** The private key, PKCS#8 PEM, mode 0600. */
    public static final String PRIVATE_KEY_FILE = "private.pem";

    /** The public key, X.509 SubjectPublicKeyInfo PEM: what {@code BALLAST_JWT_PUBLIC_KEY} names. */
    public static final String PUBLIC_KEY_FILE = "public.pem";

    private static final int KEY_BITS = 2048;

    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private TokenKeys(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /** A new key pair, in memory only (a test JVM's). */
    public static TokenKeys generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(KEY_BITS);
            KeyPair pair = generator.generateKeyPair();
            return new TokenKeys(pair.getPrivate(), pair.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make RSA keys: " + e.getMessage(), e);
        }
    }

    /**
     * The key pair in {@code directory}, made there first if it has none. Several processes may call this at once
     * (a lock file serializes them), and all get the same pair.
     */
    public static TokenKeys loadOrCreate(Path directory) {
        try {
            Files.createDirectories(
                    directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (FileChannel lockFile = FileChannel.open(
                            directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockFile.lock()) {
                Path privateFile = directory.resolve(PRIVATE_KEY_FILE);
                if (Files.exists(privateFile)) {
                    TokenKeys keys = load(privateFile);
                    if (!Files.exists(directory.resolve(PUBLIC_KEY_FILE))) {
                        keys.writePublicKey(directory.resolve(PUBLIC_KEY_FILE));
                    }
                    return keys;
                }
                TokenKeys keys = generate();
                keys.writePrivateKey(privateFile);
                keys.writePublicKey(directory.resolve(PUBLIC_KEY_FILE));
                return keys;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not keep the token keys in " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pair whose private half is in {@code privateKeyFile} (PKCS#8 PEM); the public half is derived from it.
     *
     * @throws IllegalArgumentException if the file holds no RSA private key
     */
    public static TokenKeys load(Path privateKeyFile) throws IOException {
        String pem = Files.readString(privateKeyFile, StandardCharsets.US_ASCII);
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            PrivateKey privateKey =
                    rsa.generatePrivate(new PKCS8EncodedKeySpec(decodePem(pem, "PRIVATE KEY", privateKeyFile)));
            if (!(privateKey instanceof RSAPrivateCrtKey crt)) {
                throw new IllegalArgumentException(
                        privateKeyFile + " holds no RSA private key with its public exponent");
            }
            PublicKey publicKey = rsa.generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
            return new TokenKeys(privateKey, publicKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(privateKeyFile + " holds no RSA private key: " + e.getMessage(), e);
        }
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The public key as PEM text, the form services read. */
    public String publicKeyPem() {
        return pem("PUBLIC KEY", publicKey.getEncoded());
    }

    /** Writes the public key's PEM to {@code file} (replacing it): world-readable, it is no secret. */
    public void writePublicKey(Path file) throws IOException {
        replace(file, publicKeyPem(), "rw-r--r--");
    }

    private void writePrivateKey(Path file) throws IOException {
        replace(file, pem("PRIVATE KEY", privateKey.getEncoded()), "rw-------");
    }

    /** Writes through a temporary file created with its final mode, so the key is never readable by others. */
    private static void replace(Path file, String content, String mode) throws IOException {
        Path temporary = Files.createTempFile(
                file.getParent(),
                file.getFileName() + ".",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try {
            Files.writeString(temporary, content, StandardCharsets.US_ASCII);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static byte[] decodePem(String pem, String label, Path file) {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException(file + " is not a PEM file with a " + label);
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }
}
