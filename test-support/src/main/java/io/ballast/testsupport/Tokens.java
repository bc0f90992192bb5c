package io.ballast.testsupport;

import io.ballast.local.token.TokenKeys;
import io.ballast.local.token.TokenMinter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * Real bearer tokens for tests, signed with a key pair made once per test JVM, the way {@code ./ballast token} signs
 * them for the local stack. A service under test verifies them once {@link TokenResource} gave it the public key.
 *
 * <pre>{@code
 * given().header("Authorization", Tokens.bearer(Roles.OPERATOR)).post("/api/v1/overrides")...
 * }</pre>
 */
public final class Tokens {

    /** How long a test token is valid. */
    public static final Duration TTL = Duration.ofMinutes(30);

    private static final TokenKeys KEYS = TokenKeys.generate();
    private static final TokenMinter MINTER = new TokenMinter(KEYS.privateKey(), Clock.systemUTC());
    private static Path publicKeyFile;

    private Tokens() {}

    /** A token carrying {@code role}, valid for {@link #TTL}. */
    public static String token(String role) {
        return token(role, TTL);
    }

    /** A token carrying {@code role}, valid for {@code ttl}: for a service under test that calls another with it. */
    public static String token(String role, Duration ttl) {
        return MINTER.mint("test-" + role, role, ttl);
    }

    /** {@code Bearer TOKEN}, the value of an {@code Authorization} header (or gRPC metadata) for {@code role}. */
    public static String bearer(String role) {
        return "Bearer " + token(role);
    }

    /**
     * {@code Bearer TOKEN} of a token that expired five minutes ago: longer ago than the clock skew a verifier
     * tolerates (SmallRye JWT: 60 s).
     */
    public static String expiredBearer(String role) {
        return "Bearer " + MINTER.mint("test-" + role, role, Duration.ofMinutes(-5));
    }

    /** {@code Bearer TOKEN} of a token signed with another key than the one services are given. */
    public static String foreignBearer(String role) {
        return "Bearer "
                + new TokenMinter(TokenKeys.generate().privateKey(), Clock.systemUTC()).mint("test", role, TTL);
    }

    /** The PEM file of this JVM's public key (written once, removed when the JVM exits). */
    public static synchronized Path publicKeyFile() {
        if (publicKeyFile == null) {
            try {
                Path file = Files.createTempFile("ballast-test-jwt-", ".pem");
                file.toFile().deleteOnExit();
                KEYS.writePublicKey(file);
                publicKeyFile = file;
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the test public key: " + e.getMessage(), e);
            }
        }
        return publicKeyFile;
    }
}
