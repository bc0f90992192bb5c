package io.ballast.contract;

import io.ballast.local.fleet.HostFile;
import io.ballast.local.launch.Commands;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A running VM whose disk is real: a raw image in its datastore's directory (a DOS table, one ext4 partition over the
 * rest of the disk, no blocks reserved for root), attached to a loop device and mounted here, kept by the real agent.
 * The disk's serial is the image's path, the name the agent gives a loop device's disk; its id is inventory's,
 * {@code VM-vda}.
 */
final class RealVm implements AutoCloseable {

    private static final long MIB = 1L << 20;

    /**
     * What the host's filesystem may count in an image's allocation beyond the image's own data: the blocks of the
     * file's extent map, more of them the more holes a reclaim punched.
     */
    static final long IMAGE_MAP_BYTES = MIB;

    final String id;
    final String name;
    final long designatedBytes;
    private final Path home;
    private LoopDisk disk;
    private final Path mount;
    private Program agent;

    private RealVm(String id, String name, long designatedBytes, Path home, LoopDisk disk, Path mount) {
        this.id = id;
        this.name = name;
        this.designatedBytes = designatedBytes;
        this.home = home;
        this.disk = disk;
        this.mount = mount;
    }

    /** A VM with a new sparse disk of {@code designatedBytes} in {@code datastore}'s directory; its ext4 mounted. */
    static RealVm create(String id, String name, Path datastore, long designatedBytes, Path home) throws Exception {
        Files.createDirectories(datastore);
        Path own = Files.createDirectories(home.resolve(name));
        LoopDisk disk = LoopDisk.create(datastore, designatedBytes, "label: dos\nstart=2048, type=83\n");
        Commands.run(
                "mkfs.ext4",
                "-q",
                "-F",
                "-m",
                "0",
                "-L",
                name,
                disk.partition(1).toString());
        return new RealVm(id, name, designatedBytes, own, disk, disk.mount(1, own));
    }

    String diskId() {
        return id + "-vda";
    }

    Path image() {
        return disk.image();
    }

    Path mount() {
        return mount;
    }

    /** The disk as the VM's domain shows it to libvirt. */
    HostFile.Disk hostDisk() {
        return HostFile.disk("vda", image().toString(), "raw", image().toString());
    }

    /** The disk as a volume of its datastore's pool, with the image's allocation now. */
    HostFile.Volume volume() {
        return new HostFile.Volume(image().getFileName().toString(), designatedBytes, allocatedBytes(), "raw");
    }

    /** The filesystem's size and what the guest uses of it (the ballast left out), as {@code statfs} gives them. */
    record Usage(long totalBytes, long utilizedBytes, long freeBytes) {}

    Usage usage() throws Exception {
        String[] fields = Commands.run("stat", "-f", "-c", "%S %b %f", mount.toString())
                .strip()
                .split(" ");
        long block = Long.parseLong(fields[0]);
        long total = Long.parseLong(fields[1]) * block;
        long free = Long.parseLong(fields[2]) * block;
        return new Usage(total, total - free - ballastFileBytes(), free);
    }

    /** Brings what the guest uses to about {@code utilizedBytes} with one allocated (unwritten) file. */
    void use(long utilizedBytes) throws Exception {
        long more = (utilizedBytes - usage().utilizedBytes()) / (64 * 1024) * (64 * 1024);
        if (more > 0) {
            Commands.run(
                    "fallocate",
                    "-l",
                    Long.toString(more),
                    mount.resolve("data-" + System.nanoTime()).toString());
        }
    }

    /**
     * Writes {@code bytes} of files and deletes them, as a guest does over its life: their blocks stay backed in the
     * image until a ballast is punched over them.
     */
    void writeAndDelete(long bytes) throws Exception {
        Path earlier = mount.resolve("earlier");
        Commands.run("dd", "if=/dev/zero", "of=" + earlier, "bs=4M", "count=" + bytes / (4 * MIB), "status=none");
        Commands.run("sync");
        Files.delete(earlier);
        Commands.run("sync");
    }

    /** Starts the VM's agent on {@code gateway} (its certificate issued first) and waits until it is welcomed. */
    void startAgent(Fleet fleet, Fleet.Gateway gateway) throws Exception {
        startAgents(fleet, gateway, List.of(this));
    }

    /** Starts the agents of {@code vms} together and waits until the gateway welcomed each. */
    static void startAgents(Fleet fleet, Fleet.Gateway gateway, List<RealVm> vms) throws Exception {
        for (RealVm vm : vms) {
            if (!Files.exists(fleet.certs.resolve("vm-" + vm.id + ".p12"))) {
                fleet.issueCertificate(vm.id);
            }
            vm.agent = fleet.launchAgent(vm.id, gateway, vm.mount, vm.home.resolve("agent-state"));
        }
        for (RealVm vm : vms) {
            vm.agent.awaitOutput("connected to the gateway as VM " + vm.id, Fleet.WAIT);
        }
    }

    void stopAgent() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    String agentLog() {
        return agent == null ? "" : agent.log();
    }

    /** The ballast file's size inside the guest (0 when there is none). */
    long ballastFileBytes() throws Exception {
        Path ballast = mount.resolve(".ballast");
        return Files.exists(ballast) ? Files.size(ballast) : 0;
    }

    /** What the image takes on its datastore. */
    long allocatedBytes() {
        return allocatedBytes(image());
    }

    static long allocatedBytes(Path image) {
        return Long.parseLong(Commands.run("stat", "-c", "%b", image.toString()).strip()) * 512;
    }

    /**
     * Moves the VM's disk to {@code datastore} as a migration that copies the whole disk does: the agent stops, the
     * image is copied there block for block (holes written as zeros: the ballast's punched ranges are backed again in
     * the copy), the source image deleted, and the VM goes on from the copy with the same filesystem and agent state.
     * The filesystem is mounted where it was. The agent is not started again here.
     */
    void copyTo(Path datastore) throws Exception {
        stopAgent();
        Path source = disk.keep();
        disk.close();
        Path copy = Files.createDirectories(datastore).resolve(source.getFileName());
        Commands.run("cp", "--sparse=never", source.toString(), copy.toString());
        Commands.run("sync");
        Files.delete(source);
        disk = LoopDisk.attach(copy);
        disk.mountAt(1, mount);
    }

    @Override
    public void close() {
        stopAgent();
        disk.close();
    }
}
