package io.ballast.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine;

/**
 * The one way a Ballast program runs its picocli command: every error is one line on standard error, prefixed by the
 * program's name ({@code ballast image: ...}), and the exit code is one of {@link ExitCode}'s.
 *
 * <ul>
 *   <li>A command line that does not parse exits with its command's {@code exitCodeOnInvalidInput} (picocli's
 *       default, {@link ExitCode#REFUSED}).
 *   <li>A command that throws exits with {@link ExitCode#REFUSED} when the exception says nothing changed (a
 *       {@link Refusal}, an {@link IllegalArgumentException}, or a type named with {@link #refusing}), else with
 *       {@link ExitCode#FAILED}.
 *   <li>A command that returns an {@code Integer} exits with it.
 * </ul>
 *
 * <p>With {@value #TRACE_VARIABLE} set in the environment, the stack trace follows the line, for bug reports.
 */
public final class Program {

    /** Environment variable that makes a failed run print its stack trace after the one-line error. */
    public static final String TRACE_VARIABLE = "BALLAST_TRACE";

    private final CommandLine commandLine;
    private final List<Class<? extends Throwable>> refusals =
            new ArrayList<>(List.of(Refusal.class, IllegalArgumentException.class));

    private Program(Object command) {
        this.commandLine = new CommandLine(Objects.requireNonNull(command, "command"));
        commandLine.setParameterExceptionHandler((exception, arguments) -> {
            CommandLine failed = exception.getCommandLine();
            failed.getErr().println(name(failed) + ": " + exception.getMessage());
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        commandLine.setExecutionExceptionHandler((exception, failed, parsed) -> {
            PrintWriter err = failed.getErr();
            err.println(name(failed) + ": " + oneLine(exception));
            if (System.getenv(TRACE_VARIABLE) != null) {
                exception.printStackTrace(err);
            }
            err.flush();
            return refused(exception) ? ExitCode.REFUSED : ExitCode.FAILED;
        });
    }

    /** A program running {@code command}, an object annotated with picocli's {@code @Command}. */
    public static Program of(Object command) {
        return new Program(command);
    }

    /** Also exits with {@link ExitCode#REFUSED} for these exceptions (each of which promises nothing changed). */
    @SafeVarargs
    public final Program refusing(Class<? extends Throwable>... types) {
        refusals.addAll(List.of(types));
        return this;
    }

    /** The configured picocli command line, e.g. for a test to set its output streams. */
    public CommandLine commandLine() {
        return commandLine;
    }

    /** Runs the command line and returns the exit code. */
    public int execute(String... args) {
        return commandLine.execute(args);
    }

    /** Runs the command line and exits the JVM with its exit code: the whole of a program's {@code main}. */
    public void exit(String... args) {
        int code = execute(args);
        commandLine.getOut().flush();
        commandLine.getErr().flush();
        System.exit(code);
    }

    private boolean refused(Throwable exception) {
        return refusals.stream().anyMatch(type -> type.isInstance(exception));
    }

    /** The root command's name, the program as its users call it. */
    private static String name(CommandLine commandLine) {
        return commandLine.getCommandSpec().root().name();
    }

    /** The exception's message on one line, or its type when it has none. */
    static String oneLine(Throwable exception) {
        String message = exception.getMessage();
        if (message == null || message.isBlank()) {
            message = exception.getClass().getSimpleName();
            if (exception.getCause() != null) {
                message += ": " + oneLine(exception.getCause());
            }
        }
        return message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
