package io.ballast.support.probe;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.local.TokenCommand;
import io.ballast.local.token.TokenKeys;
import io.ballast.testsupport.KafkaResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A token {@code ./ballast token} prints is accepted by a service given the key pair's public half, as the local
 * stack gives it ({@code BALLAST_JWT_PUBLIC_KEY}).
 */
@QuarkusTest
@TestProfile(LocalStackTokenTest.LocalStackKeys.class)
@WithTestResource(KafkaResource.class)
class LocalStackTokenTest {

    /** The service verifies with the public key of a key directory made as {@code ./ballast up} makes it. */
    public static final class LocalStackKeys implements QuarkusTestProfile {

        /**
         * A fixed place: the profile is loaded by the test's class loader and by the application's, and both must
         * name the same key pair ({@link TokenKeys#loadOrCreate} makes it once).
         */
        static final Path KEY_DIRECTORY = Path.of("target", "local-stack-jwt").toAbsolutePath();

        @Override
        public Map<String, String> getConfigOverrides() {
            TokenKeys.loadOrCreate(KEY_DIRECTORY);
            return Map.of(
                    "mp.jwt.verify.publickey.location",
                    KEY_DIRECTORY.resolve(TokenKeys.PUBLIC_KEY_FILE).toString());
        }
    }

    @Test
    void aTokenOfTheTokenCommandIsAccepted() {
        StringWriter out = new StringWriter();
        Program program = Program.of(new TokenCommand());
        program.commandLine().setOut(new PrintWriter(out, true));
        int exit = program.execute(
                "--role", "viewer", "--ttl", "5m", "--key-dir", LocalStackKeys.KEY_DIRECTORY.toString());
        assertThat(exit).isEqualTo(ExitCode.DONE);

        given().header("Authorization", "Bearer " + out.toString().strip())
                .when()
                .get("/api/v1/probe/budgets")
                .then()
                .statusCode(200)
                .body(equalTo("budgets"));
        given().when().get("/api/v1/probe/budgets").then().statusCode(401);
    }
}
