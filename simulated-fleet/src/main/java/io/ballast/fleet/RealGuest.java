package io.ballast.fleet;

import io.ballast.gateway.identity.CertificateAuthority;
import io.ballast.local.fleet.FleetLayout;
import io.ballast.local.launch.Commands;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fleet's one real guest ({@code --real-guest}, root only): a VM of the first datastore whose disk is a real image
 * (a DOS table, one ext4 partition) attached to a loop device and mounted on this machine, with some data on it and
 * free blocks its earlier files left backed in the image, kept by the real agent daemon. Its disk's serial is the
 * image's path, the name the agent gives a loop device's disk. Its ballast is inflated with {@code fallocate} by the
 * agent, and punched out of the image by the worker, for real.
 */
final class RealGuest {

    static final String VM_ID = "0000ba11-a570-4000-8000-000000000001";
    static final String NAME = "real-guest";
    static final long DESIGNATED_BYTES = 4L << 30;

    /** The variables the ready file gets: the agent's configuration, the mount point and the loop device. */
    static final String CONFIG_VARIABLE = "BALLAST_REAL_GUEST_AGENT_CONFIG";

    static final String MOUNT_VARIABLE = "BALLAST_REAL_GUEST_MOUNT";
    static final String LOOP_VARIABLE = "BALLAST_REAL_GUEST_LOOP";

    private static final Duration BOUND = Duration.ofMinutes(2);
    private static final long DATA_MIB = 768;
    private static final long EARLIER_FILES_MIB = 1024;

    private RealGuest() {}

    /** What the real guest is once prepared. */
    record Prepared(FleetLayout.Vm vm, Path agentConfig, Path mount, String loopDevice) {}

    /**
     * Makes the image on {@code datastore} (once; kept from one run to the next), attaches and mounts it (detaching
     * what a killed run left), issues the VM's certificate into {@code certs} and writes the agent's configuration.
     */
    static Prepared prepare(
            Path directory, FleetLayout.Datastore datastore, Path certs, CertificateAuthority authority, String gateway)
            throws IOException, GeneralSecurityException {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("--real-guest needs root: it attaches a loop device and mounts ext4");
        }
        Path home = Files.createDirectories(directory.resolve(NAME));
        Path mount = Files.createDirectories(home.resolve("mnt"));
        Path image = datastore.directory().resolve(NAME + ".img");
        release(image, mount);
        boolean made = !Files.exists(image);
        if (made) {
            Files.createDirectories(image.getParent());
            Commands.run("truncate", "-s", Long.toString(DESIGNATED_BYTES), image.toString());
            Commands.runWithInput("label: dos\nstart=2048, type=83\n", "sfdisk", "--quiet", image.toString());
        }
        String device = Commands.run("losetup", "--find", "--show", "--partscan", image.toString())
                .strip();
        Path partition = Path.of(device + "p1");
        if (!Files.exists(partition)) {
            Commands.run("partx", "--add", device);
        }
        if (made) {
            Commands.run("mkfs.ext4", "-q", "-F", "-L", NAME, partition.toString());
        }
        Commands.run("mount", partition.toString(), mount.toString());
        if (made) {
            // files the guest wrote and deleted: their blocks stay backed in the image until a ballast is punched
            Commands.run(
                    BOUND,
                    "dd",
                    "if=/dev/zero",
                    "of=" + mount.resolve("earlier"),
                    "bs=4M",
                    "count=" + EARLIER_FILES_MIB / 4,
                    "status=none");
            Commands.run("sync");
            Files.delete(mount.resolve("earlier"));
            Commands.run(
                    BOUND,
                    "dd",
                    "if=/dev/urandom",
                    "of=" + mount.resolve("data"),
                    "bs=4M",
                    "count=" + DATA_MIB / 4,
                    "status=none");
            Commands.run("sync");
        }
        Path certificate = certs.resolve("vm-" + VM_ID + ".p12");
        if (!Files.exists(certificate)) {
            authority.issueAgent(VM_ID);
        }
        // The embedded database is made anew at every start, and with it the budgets, whose commands count their
        // generations from 1 again: a generation the agent remembers from an earlier run would have it ignore them
        // as stale, and the disk stay INFLATING. With no record the agent takes the next command whatever its
        // generation, which is right for a database kept from run to run (BALLAST_DB_URL) as well.
        Path state = home.resolve("state");
        forget(state);
        Path config = home.resolve("agent.properties");
        Files.writeString(
                config,
                String.join(
                        "\n",
                        "# the real guest's agent (./ballast up --real-guest)",
                        "gateway=" + gateway,
                        "certificate=" + certificate,
                        "ca=" + certs.resolve("ca.pem"),
                        "mounts=" + mount,
                        "state-dir=" + Files.createDirectories(state),
                        "telemetry-period=10s",
                        ""));
        FleetLayout.Vm vm = new FleetLayout.Vm(-1, VM_ID, NAME, image.toString(), DESIGNATED_BYTES, true, image);
        return new Prepared(vm, config, mount, device);
    }

    /** Empties the agent's state directory: its record of each filesystem it keeps a ballast on. */
    private static void forget(Path state) throws IOException {
        if (!Files.isDirectory(state)) {
            return;
        }
        try (Stream<Path> files = Files.list(state)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    /** Unmounts {@code mount} and detaches every loop device of {@code image}: what a run leaves, or a killed one. */
    static void release(Path image, Path mount) {
        if (mounted(mount)) {
            Commands.run("umount", mount.toString());
        }
        if (!Files.exists(image)) {
            return;
        }
        for (String line : Commands.run("losetup", "--noheadings", "--output", "NAME", "--associated", image.toString())
                .lines()
                .map(String::strip)
                .filter(line -> !line.isEmpty())
                .toList()) {
            Commands.run("losetup", "--detach", line);
        }
    }

    private static boolean mounted(Path mount) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(line -> line.split(" "))
                    .anyMatch(fields -> fields.length > 1 && fields[1].equals(mount.toString()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The tools the real guest needs. */
    static List<String> tools() {
        return List.of("truncate", "sfdisk", "losetup", "partx", "mkfs.ext4", "mount", "umount", "dd", "sync");
    }
}
