package io.ballast.local;

import io.ballast.local.launch.Launcher;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Ballast checkout a program runs from, and the command lines of the programs its build packaged: the services'
 * {@code target/quarkus-app}, the local runtime's jar and libraries, the guest agent's jar, the {@code ballast}
 * script. Every JVM it names runs on the JDK this process runs on.
 *
 * @param root the directory holding the reactor's {@code pom.xml} and the {@code ballast} script
 */
public record Checkout(Path root) {

    /**
     * JVM options of a service on one machine shared with the whole stack: a small serial heap. Quarkus and its
     * libraries still use {@code sun.misc.Unsafe} memory access, which JDK 25 warns about unless allowed.
     */
    public static final List<String> SERVICE_JVM_OPTIONS =
            List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx384m", "--sun-misc-unsafe-memory-access=allow");

    /** The checkout whose build holds {@code type}: its classes are in {@code ROOT/MODULE/target/...}. */
    public static Checkout containing(Class<?> type) {
        Path location;
        try {
            location = Path.of(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell where " + type.getName() + " was loaded from", e);
        }
        for (Path directory = location; directory != null; directory = directory.getParent()) {
            if (Files.isRegularFile(directory.resolve("ballast"))
                    && Files.isRegularFile(directory.resolve("pom.xml"))) {
                return new Checkout(directory);
            }
        }
        throw new IllegalStateException(
                type.getName() + " was loaded from " + location + ", which is not inside a Ballast checkout");
    }

    /** {@code .ballast}: the local stack's state (certificates, run files) and the benchmarks' directories. */
    public Path state() {
        return root.resolve(".ballast");
    }

    /** The packaged service {@code module}'s runnable jar. */
    public Path serviceJar(String module) {
        return root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** The command starting the packaged service {@code module} with {@code jvmOptions}. */
    public List<String> service(String module, List<String> jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Launcher.java().toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(serviceJar(module).toString());
        return command;
    }

    /**
     * The command starting {@link LocalInfrastructure}, writing {@code infra.env} into {@code stateDirectory}, with
     * its further {@code options} (e.g. {@code --kafka-only}).
     */
    public List<String> localInfrastructure(Path stateDirectory, String... options) {
        Path runtime = root.resolve("local-runtime/target");
        List<String> command = new ArrayList<>(List.of(
                Launcher.java().toString(),
                // The broker's libraries log through SLF4J with no binding here; its notice about that is noise.
                "-Dslf4j.internal.verbosity=ERROR",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                runtime.resolve("local-runtime.jar") + ":" + runtime.resolve("lib") + "/*",
                LocalInfrastructure.class.getName(),
                "--state-dir",
                stateDirectory.toString()));
        command.addAll(List.of(options));
        return command;
    }

    /**
     * The command starting the simulated fleet with {@code arguments}: a small heap, since its state is a few
     * numbers a VM and a TLS session each.
     */
    public List<String> simulatedFleet(List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(
                Launcher.java().toString(),
                "-XX:+UseSerialGC",
                "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-jar",
                root.resolve("simulated-fleet/target/simulated-fleet.jar").toString()));
        command.addAll(arguments);
        return command;
    }

    /** The guest agent's jar. */
    public Path guestAgentJar() {
        return root.resolve("guest-agent/target/guest-agent.jar");
    }

    /** {@code ./ballast ARGUMENTS}: a command of the checkout's own script, as an operator types it. */
    public List<String> ballast(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("ballast").toString());
        command.addAll(List.of(arguments));
        return command;
    }
}
