package io.ballast.cli;

/**
 * Thrown by a command that refuses its input after parsing (a value out of range, options that do not go together):
 * the program prints the message in one line and exits with {@link ExitCode#REFUSED}. Nothing has changed.
 */
public final class Refusal extends RuntimeException {

    public Refusal(String message) {
        super(message);
    }
}
