package io.ballast.local.launch;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How to start one program: its name (for messages and prefixes), its command line, its whole environment, its
 * working directory (this process's when empty) and where its output goes. Built with {@link #of} and the
 * {@code with…} methods, each of which returns a changed copy.
 *
 * @param name what messages call the program, e.g. {@code guest-gateway}
 * @param command the executable and its arguments
 * @param environment the program's entire environment (not added to this process's)
 * @param directory the working directory, or this process's
 * @param output where standard output and standard error go (always together)
 */
public record Launch(
        String name, List<String> command, Map<String, String> environment, Optional<Path> directory, Output output) {

    public Launch {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("the command of " + name + " is empty");
        }
        environment = Map.copyOf(environment);
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(output, "output");
    }

    /** {@code command}, with this process's environment and working directory, its output kept in memory. */
    public static Launch of(String name, List<String> command) {
        return new Launch(name, command, System.getenv(), Optional.empty(), new Output.Captured());
    }

    /** This launch with {@code added} set in its environment (replacing variables of the same name). */
    public Launch withEnvironment(Map<String, String> added) {
        Map<String, String> changed = new HashMap<>(environment);
        changed.putAll(added);
        return new Launch(name, command, changed, directory, output);
    }

    /** This launch without the variables {@code names} in its environment. */
    public Launch withoutEnvironment(String... names) {
        Map<String, String> changed = new HashMap<>(environment);
        Arrays.asList(names).forEach(changed::remove);
        return new Launch(name, command, changed, directory, output);
    }

    /** This launch with exactly {@code only} as its environment, nothing inherited. */
    public Launch withOnlyEnvironment(Map<String, String> only) {
        return new Launch(name, command, only, directory, output);
    }

    /** This launch running in {@code workingDirectory}. */
    public Launch withDirectory(Path workingDirectory) {
        return new Launch(name, command, environment, Optional.of(workingDirectory), output);
    }

    /** This launch with its output going to {@code destination}. */
    public Launch withOutput(Output destination) {
        return new Launch(name, command, environment, directory, destination);
    }
}
