package io.ballast.local.token;

import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * Signs bearer tokens the Ballast services accept: RS256, issuer {@value #ISSUER}, the role in the {@code groups}
 * claim, the subject as {@code sub} and {@code upn}, a fresh {@code jti}, issued now and expiring after the time to
 * live. The services verify them with the matching public key ({@link TokenKeys}).
 */
public final class TokenMinter {

    /** The issuer every service expects ({@code mp.jwt.verify.issuer}). */
    public static final String ISSUER = "ballast";

    /** The roles a token may carry; the services' {@code io.ballast.support.security.Roles}. */
    public static final List<String> ROLES = List.of("viewer", "operator", "orchestrator");

    private final PrivateKey signingKey;
    private final Clock clock;

    public TokenMinter(PrivateKey signingKey, Clock clock) {
        this.signingKey = signingKey;
        this.clock = clock;
    }

    /**
     * A signed token for {@code subject} with {@code role}, valid for {@code ttl} from now (a negative ttl gives a
     * token that has already expired, for tests).
     *
     * @throws IllegalArgumentException if the role is not one of {@link #ROLES} or the subject is blank
     */
    public String mint(String subject, String role, Duration ttl) {
        if (!ROLES.contains(role)) {
            throw new IllegalArgumentException(
                    "unknown role '" + role + "'; a token carries one of " + String.join(", ", ROLES));
        }
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a token needs a subject");
        }
        Instant now = clock.instant();
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(subject);
        claims.setClaim("upn", subject);
        claims.setStringListClaim("groups", role);
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuedAt(NumericDate.fromMilliseconds(
                Math.min(now.toEpochMilli(), now.plus(ttl).toEpochMilli())));
        claims.setExpirationTime(NumericDate.fromMilliseconds(now.plus(ttl).toEpochMilli()));
        JsonWebSignature signature = new JsonWebSignature();
        signature.setPayload(claims.toJson());
        signature.setKey(signingKey);
        signature.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        signature.setHeader("typ", "JWT");
        try {
            return signature.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("could not sign a token: " + e.getMessage(), e);
        }
    }
}
