package io.ballast.local;

import io.ballast.cli.DurationConverter;
import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.cli.Refusal;
import io.ballast.local.token.TokenKeys;
import io.ballast.local.token.TokenMinter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./ballast token --role R [--ttl D]}: prints a bearer token for the local stack's services on standard output,
 * signed with the key pair the stack keeps in {@code .ballast/jwt/} (made here first if {@code ./ballast up} has not
 * made it yet, so the token is accepted by the next stack as well).
 */
@Command(
        name = "ballast token",
        mixinStandardHelpOptions = true,
        description = "Prints a bearer token for the local stack (Authorization: Bearer TOKEN).")
public final class TokenCommand implements Callable<Integer> {

    /** The longest a token may live: a day keeps a leaked local token from being useful for long. */
    static final Duration LONGEST_TTL = Duration.ofDays(1);

    @Option(
            names = "--role",
            required = true,
            paramLabel = "ROLE",
            description =
                    "viewer (reads), operator (overrides, policy) or orchestrator (growth, migrations, placements).")
    String role;

    @Option(
            names = "--ttl",
            paramLabel = "DURATION",
            defaultValue = "1h",
            converter = DurationConverter.class,
            description = "How long the token is valid, at most 24h (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(
            names = "--subject",
            paramLabel = "NAME",
            defaultValue = "ballast-cli",
            description = "Who the token names (default: ${DEFAULT-VALUE}).")
    String subject;

    @Option(
            names = "--key-dir",
            paramLabel = "DIR",
            description = "Where the key pair is kept (default: .ballast/jwt of this checkout).")
    Path keyDirectory;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        Program.of(new TokenCommand()).exit(args);
    }

    /** The key pair's directory of the local stack in {@code checkout}. */
    public static Path keyDirectory(Checkout checkout) {
        return checkout.state().resolve("jwt");
    }

    @Override
    public Integer call() {
        if (!TokenMinter.ROLES.contains(role)) {
            throw new Refusal("unknown role '" + role + "'; use one of " + String.join(", ", TokenMinter.ROLES));
        }
        if (!ttl.isPositive() || ttl.compareTo(LONGEST_TTL) > 0) {
            throw new Refusal("--ttl must be more than 0 and at most 24h, not " + ttl);
        }
        Path directory = keyDirectory != null ? keyDirectory : keyDirectory(Checkout.containing(TokenCommand.class));
        TokenKeys keys = TokenKeys.loadOrCreate(directory);
        String token = new TokenMinter(keys.privateKey(), Clock.systemUTC()).mint(subject, role, ttl);
        spec.commandLine().getOut().println(token);
        return ExitCode.DONE;
    }
}
