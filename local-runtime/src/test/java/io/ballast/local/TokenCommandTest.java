package io.ballast.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.local.token.TokenKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCommandTest {

    @TempDir
    Path keys;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        Program program = Program.of(new TokenCommand());
        program.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        return program.execute(args);
    }

    @Test
    void printsATokenSignedWithTheKeyPairItMakesOnceWithThePrivateHalfForItsOwnerOnly() throws Exception {
        int exit = run("--role", "operator", "--ttl", "10m", "--key-dir", keys.toString());

        assertThat(exit).isEqualTo(ExitCode.DONE);
        assertThat(err.toString()).isEmpty();
        String token = out.toString().strip();
        assertThat(token).doesNotContain("\n").matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("private.pem"))))
                .isEqualTo("rw-------");

        JwtClaims claims = verify(token, keys.resolve(TokenKeys.PUBLIC_KEY_FILE));
        assertThat(claims.getIssuer()).isEqualTo("ballast");
        assertThat(claims.getStringListClaimValue("groups")).containsExactly("operator");
        long lifetime =
                claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue();
        assertThat(lifetime).isEqualTo(600);

        byte[] publicKeyBefore = Files.readAllBytes(keys.resolve(TokenKeys.PUBLIC_KEY_FILE));
        out.getBuffer().setLength(0);
        assertThat(run("--role", "viewer", "--key-dir", keys.toString())).isEqualTo(ExitCode.DONE);
        assertThat(Files.readAllBytes(keys.resolve(TokenKeys.PUBLIC_KEY_FILE))).isEqualTo(publicKeyBefore);
        assertThat(verify(out.toString().strip(), keys.resolve(TokenKeys.PUBLIC_KEY_FILE))
                        .getStringListClaimValue("groups"))
                .containsExactly("viewer");
    }

    @Test
    void anUnknownRoleIsRefusedInOneLineAndMakesNoKey() {
        int exit = run("--role", "admin", "--key-dir", keys.toString());

        assertThat(exit).isEqualTo(ExitCode.REFUSED);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString())
                .isEqualTo("ballast token: unknown role 'admin'; use one of viewer, operator, orchestrator"
                        + System.lineSeparator());
        assertThat(keys.resolve("private.pem")).doesNotExist();
    }

    @Test
    void aTimeToLiveOfNothingOrOverADayIsRefused() {
        assertThat(run("--role", "viewer", "--ttl", "0s", "--key-dir", keys.toString()))
                .isEqualTo(ExitCode.REFUSED);
        assertThat(run("--role", "viewer", "--ttl", "25h", "--key-dir", keys.toString()))
                .isEqualTo(ExitCode.REFUSED);
        assertThat(run("--role", "viewer", "--ttl", "soon", "--key-dir", keys.toString()))
                .isEqualTo(ExitCode.REFUSED);
        assertThat(err.toString().lines()).hasSize(3);
    }

    private static JwtClaims verify(String token, Path publicKeyPem) throws Exception {
        String pem = Files.readString(publicKeyPem, StandardCharsets.US_ASCII);
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        var publicKey = java.security.KeyFactory.getInstance("RSA")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(
                        Base64.getDecoder().decode(body)));
        return new JwtConsumerBuilder()
                .setExpectedIssuer("ballast")
                .setRequireExpirationTime()
                .setVerificationKey(publicKey)
                .setJwsAlgorithmConstraints(
                        AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .build()
                .processToClaims(token);
    }
}
