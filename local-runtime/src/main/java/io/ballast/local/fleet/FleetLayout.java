package io.ballast.local.fleet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * A fleet of libvirt test-driver hosts, planned the same way from the same numbers every time: VMs spread evenly over
 * the hosts, each host's VMs on directory pools (its datastores) of {@link Shape#vmsPerDatastore} VMs each, every VM
 * with one raw virtio disk whose image is a volume of its pool. Each host is one file ({@link HostFile}) opened by
 * a {@code test:///ABSOLUTE/PATH} URI. The local stack's simulated fleet and the inventory benchmark are both planned
 * so; the simulated fleet's program plans it again from the same numbers to find its VMs.
 *
 * <p>The test driver reports every pool's capacity as 100 GiB, so the shape decides how thinly a datastore is
 * provisioned: ten 20 GiB disks on one is twice its capacity.
 */
public final class FleetLayout {

    private FleetLayout() {}

    /** How many hosts and VMs: {@code hosts=H,vms=V}, as {@code ./ballast up --fleet} takes it. */
    public record Size(int hosts, int vms) {
        public Size {
            if (hosts < 1 || vms < hosts) {
                throw new IllegalArgumentException("a fleet needs at least one host and a VM on each, not " + hosts
                        + " hosts and " + vms + " VMs");
            }
        }

        /** Reads {@code hosts=H,vms=V} (either order, both needed). */
        public static Size parse(String text) {
            Integer hosts = null;
            Integer vms = null;
            for (String part : text.split(",", -1)) {
                String[] pair = part.strip().split("=", 2);
                if (pair.length != 2 || !pair[1].strip().matches("[0-9]{1,6}")) {
                    throw new IllegalArgumentException(
                            "--fleet takes hosts=H,vms=V (e.g. hosts=50,vms=1000), not '" + text + "'");
                }
                int value = Integer.parseInt(pair[1].strip());
                switch (pair[0].strip()) {
                    case "hosts" -> hosts = value;
                    case "vms" -> vms = value;
                    default ->
                        throw new IllegalArgumentException(
                                "--fleet takes hosts=H,vms=V; '" + pair[0].strip() + "' is neither");
                }
            }
            if (hosts == null || vms == null) {
                throw new IllegalArgumentException("--fleet takes both hosts=H and vms=V, not '" + text + "'");
            }
            return new Size(hosts, vms);
        }

        @Override
        public String toString() {
            return "hosts=" + hosts + ",vms=" + vms;
        }
    }

    /**
     * How the fleet's VMs are laid out.
     *
     * @param vmsPerDatastore how many VMs share a datastore
     * @param designatedBytes every disk's size as its guest sees it
     * @param shutOffEvery one VM in this many is defined but shut off (0: every VM runs)
     */
    public record Shape(int vmsPerDatastore, long designatedBytes, int shutOffEvery) {
        public Shape {
            if (vmsPerDatastore < 1 || designatedBytes < HostFile.GIB || shutOffEvery < 0) {
                throw new IllegalArgumentException("a fleet's shape needs at least one VM a datastore and 1 GiB disks");
            }
        }
    }

    /**
     * A VM of the fleet.
     *
     * @param index its place in the fleet, from 0
     * @param id the domain's UUID: inventory's VM id, and the name its agent's certificate carries
     * @param serial its disk's serial, which the guest's name for the disk ends in
     * @param image its disk's image: a volume of its datastore's pool
     */
    public record Vm(
            int index, String id, String name, String serial, long designatedBytes, boolean running, Path image) {

        /** The guest's name of its disk, as a virtio disk shows in {@code /dev/disk/by-id}. */
        public String guestDiskName() {
            return "virtio-" + serial;
        }
    }

    /** A datastore: a directory pool of its host. */
    public record Datastore(String name, String uuid, Path directory, List<Vm> vms) {}

    /** A host: its file, and its datastores. */
    public record Host(String name, Path file, List<Datastore> datastores) {

        /** The URI that opens the host. */
        public String uri() {
            return HostFile.uri(file);
        }

        public List<Vm> vms() {
            return datastores.stream()
                    .flatMap(datastore -> datastore.vms().stream())
                    .toList();
        }
    }

    /**
     * The fleet of {@code size}: host files {@code directory/host-001.xml}, ..., images
     * under {@code directory/images/host-001-ds-1/} (the first datastore of {@code host-001}), ...
     */
    public static List<Host> plan(Path directory, Size size, Shape shape) {
        int hosts = size.hosts();
        int vms = size.vms();
        Path root = directory.toAbsolutePath();
        List<Host> fleet = new ArrayList<>(hosts);
        int next = 0;
        for (int h = 0; h < hosts; h++) {
            String hostName = String.format(Locale.ROOT, "host-%03d", h + 1);
            int onHost = vms / hosts + (h < vms % hosts ? 1 : 0);
            List<Datastore> datastores = new ArrayList<>();
            for (int d = 0; d * shape.vmsPerDatastore() < onHost; d++) {
                String name = hostName + "-ds-" + (d + 1);
                Path pool = root.resolve("images").resolve(name);
                List<Vm> guests = new ArrayList<>();
                for (int i = d * shape.vmsPerDatastore();
                        i < Math.min(onHost, (d + 1) * shape.vmsPerDatastore());
                        i++) {
                    int v = next + i;
                    String vmName = String.format(Locale.ROOT, "vm-%05d", v + 1);
                    guests.add(new Vm(
                            v,
                            String.format(Locale.ROOT, "%08x-0000-4000-8000-%012x", h + 1, v),
                            vmName,
                            String.format(Locale.ROOT, "disk-%05d", v + 1),
                            shape.designatedBytes(),
                            shape.shutOffEvery() == 0 || v % shape.shutOffEvery() != shape.shutOffEvery() - 1,
                            pool.resolve(vmName + ".img")));
                }
                datastores.add(new Datastore(
                        name, String.format(Locale.ROOT, "%08x-0000-4000-9000-%012x", h + 1, d), pool, guests));
            }
            next += onHost;
            fleet.add(new Host(hostName, root.resolve(hostName + ".xml"), datastores));
        }
        return fleet;
    }

    /**
     * Writes {@code host}'s file: its domains and pools, each volume's allocation as {@code backedBytes} says (the
     * image file's, where it exists). Answers the host's URI.
     */
    public static String write(Host host, ToLongFunction<Vm> backedBytes) {
        HostFile file = new HostFile();
        for (Datastore datastore : host.datastores()) {
            List<HostFile.Volume> volumes = new ArrayList<>();
            for (Vm vm : datastore.vms()) {
                file.domain(
                        vm.name(),
                        vm.id(),
                        vm.running(),
                        HostFile.disk("vda", vm.image().toString(), "raw", vm.serial()));
                volumes.add(new HostFile.Volume(
                        vm.image().getFileName().toString(), vm.designatedBytes(), backedBytes.applyAsLong(vm), "raw"));
            }
            file.pool(
                    datastore.name(),
                    datastore.uuid(),
                    datastore.directory().toString(),
                    volumes.toArray(HostFile.Volume[]::new));
        }
        return file.writeTo(host.file());
    }
}
