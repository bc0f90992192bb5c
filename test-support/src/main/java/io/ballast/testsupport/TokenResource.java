package io.ballast.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: the service under test verifies bearer tokens with this JVM's public key, so the tokens of
 * {@link Tokens} are accepted — the same configuration ({@code mp.jwt.verify.publickey.location}, a PEM file) that
 * {@code BALLAST_JWT_PUBLIC_KEY} sets outside tests.
 */
public class TokenResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("mp.jwt.verify.publickey.location", Tokens.publicKeyFile().toString());
    }

    @Override
    public void stop() {
        // The key file goes when the JVM exits; other test applications of this JVM may still use it.
    }
}
