package io.ballast.fleet;

import io.ballast.cli.DurationConverter;
import io.ballast.cli.ExitCode;
import io.ballast.cli.Program;
import io.ballast.gateway.cli.CertsCommand;
import io.ballast.gateway.identity.CertificateAuthority;
import io.ballast.local.LocalInfrastructure;
import io.ballast.local.fleet.FleetLayout;
import io.ballast.local.fleet.HostFile;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The simulated fleet of {@code ./ballast up}: libvirt test-driver hosts ({@link FleetLayout}, ten 20 GiB disks on
 * each datastore, one VM in ten shut off) whose VMs have real sparse images under {@code --dir}, and an agent for each
 * running VM ({@link SimulatedAgent}): a real gRPC client of the gateway over mutual TLS with a certificate naming
 * its VM, issued by the local CA. The guests' usage moves ({@link SimulatedGuest}): most drift, one in four bursts,
 * and the first datastore's guests grow until their datastore would overflow without its ballasts.
 *
 * <p>The host files are written first (with each image's real allocation, again every 30 s), then {@code
 * --ready-file} names their URIs ({@code BALLAST_LIBVIRT_URIS=...}) for inventory and the worker ({@code
 * --prepare-only} stops there); the agents connect once the gateway answers, and reconnect whenever it goes away.
 */
@Command(
        name = "simulated-fleet",
        mixinStandardHelpOptions = true,
        description = "Libvirt test-driver hosts with real images, and an agent for each running VM.")
public final class SimulatedFleet implements Callable<Integer> {

    /** Ten 20 GiB disks on a datastore of 100 GiB: twice its capacity. */
    static final FleetLayout.Shape SHAPE = new FleetLayout.Shape(10, 20 * HostFile.GIB, 10);

    /** The variable of the ready file that lists the hosts' URIs. */
    public static final String URIS_VARIABLE = "BALLAST_LIBVIRT_URIS";

    private static final Duration ALLOCATION_EVERY = Duration.ofSeconds(30);
    /** Agents connecting at once, at most: a thousand TLS handshakes are spread over a few seconds. */
    private static final int CONNECTS_PER_SECOND = 200;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where the host files and images are.")
    Path directory;

    @Option(
            names = "--fleet",
            paramLabel = "hosts=H,vms=V",
            defaultValue = "hosts=2,vms=24",
            description = "How many hosts and VMs (default: ${DEFAULT-VALUE}).")
    String fleet;

    @Option(names = "--certs", required = true, paramLabel = "DIR", description = "The local CA (./ballast certs).")
    Path certs;

    @Option(
            names = "--gateway",
            paramLabel = "HOST:PORT",
            defaultValue = "localhost:8443",
            description = "The gateway's agent port (default: ${DEFAULT-VALUE}).")
    String gateway;

    @Option(
            names = "--tick",
            paramLabel = "DURATION",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "How often each guest's usage moves and is reported (default: ${DEFAULT-VALUE}).")
    Duration tick;

    @Option(
            names = "--ready-file",
            paramLabel = "FILE",
            description = "Written once the host files are: " + URIS_VARIABLE + "=the hosts' URIs.")
    Path readyFile;

    @Option(
            names = "--real-guest",
            description = "Add one VM whose disk is a real ext4 image on a loop device, kept by the real agent daemon"
                    + " (its configuration is in the ready file); needs root.")
    boolean realGuest;

    @Option(
            names = "--release-real-guest",
            description = "Unmount the real guest's filesystem and detach its loop device, then exit.")
    boolean releaseRealGuest;

    @Option(
            names = "--prepare-only",
            description = "Make the images and host files (and the ready file), then exit: the agents are started"
                    + " after the services, so stopped before them.")
    boolean prepareOnly;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "Seed of the guests' usage (default: ${DEFAULT-VALUE}).")
    long seed;

    public static void main(String[] args) {
        Program.of(new SimulatedFleet()).exit(args);
    }

    @Override
    public Integer call() throws Exception {
        FleetLayout.Size size = FleetLayout.Size.parse(fleet);
        String[] hostAndPort = gateway.split(":", 2);
        if (hostAndPort.length != 2 || !hostAndPort[1].matches("[0-9]{1,5}")) {
            throw new IllegalArgumentException("--gateway takes HOST:PORT, not '" + gateway + "'");
        }
        if (tick.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--tick must be at least 1s, not " + tick);
        }
        FleetLog log = new FleetLog(System.out, size.vms() <= 40);
        if (releaseRealGuest) {
            FleetLayout.Datastore first = FleetLayout.plan(directory, size, SHAPE)
                    .getFirst()
                    .datastores()
                    .getFirst();
            RealGuest.release(
                    first.directory().resolve(RealGuest.NAME + ".img"),
                    directory.resolve(RealGuest.NAME).resolve("mnt"));
            return ExitCode.DONE;
        }
        CertificateAuthority authority = CertificateAuthority.open(certs, CertsCommand.password());
        List<FleetLayout.Host> hosts = prepare(size, authority, log);
        if (prepareOnly) {
            return ExitCode.DONE;
        }

        NioEventLoopGroup loop = new NioEventLoopGroup(2);
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "simulated-fleet");
            thread.setDaemon(true);
            return thread;
        });
        List<SimulatedAgent> agents = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            scheduler.shutdownNow();
                            agents.forEach(SimulatedAgent::close);
                            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                            stopped.countDown();
                        },
                        "simulated-fleet-stop"));

        X509Certificate ca = authority.caCertificate();
        for (FleetLayout.Host host : hosts) {
            for (FleetLayout.Vm vm : host.vms()) {
                if (vm.running() && vm.index() >= 0) {
                    agents.add(new SimulatedAgent(
                            vm,
                            guest(vm, host),
                            channel(authority, ca, vm, hostAndPort[0], Integer.parseInt(hostAndPort[1]), loop),
                            scheduler,
                            log));
                }
            }
        }
        log.info("fleet: " + agents.size() + " agents connecting to the gateway at " + gateway + " ("
                + (size.vms() - agents.size()) + " VMs shut off)");
        long tickMillis = tick.toMillis();
        for (int i = 0; i < agents.size(); i++) {
            SimulatedAgent agent = agents.get(i);
            scheduler.schedule(agent::connect, i * 1000L / CONNECTS_PER_SECOND, TimeUnit.MILLISECONDS);
            scheduler.scheduleAtFixedRate(
                    () -> guarded(agent::tick, log),
                    tickMillis + i * tickMillis / agents.size(),
                    tickMillis,
                    TimeUnit.MILLISECONDS);
        }
        scheduler.scheduleAtFixedRate(
                () -> agents.forEach(agent -> guarded(agent::heartbeat, log)), 1, 1, TimeUnit.SECONDS);
        long every = ALLOCATION_EVERY.toSeconds();
        scheduler.scheduleAtFixedRate(
                () -> guarded(() -> summarize(hosts, agents, log), log), every, every, TimeUnit.SECONDS);
        stopped.await();
        return ExitCode.DONE;
    }

    /**
     * Makes the images the fleet lacks (a fleet of another size is removed first), writes the host files with the
     * images' allocation and the ready file.
     */
    private List<FleetLayout.Host> prepare(FleetLayout.Size size, CertificateAuthority authority, FleetLog log)
            throws IOException, GeneralSecurityException {
        Files.createDirectories(directory);
        Path sizeFile = directory.resolve("fleet.size");
        if (Files.exists(sizeFile) && !Files.readString(sizeFile).strip().equals(size.toString())) {
            log.info("fleet: the fleet in " + directory + " was "
                    + Files.readString(sizeFile).strip() + "; making one of " + size);
            removeFleet();
        }
        Files.writeString(sizeFile, size + "\n");
        List<FleetLayout.Host> hosts = FleetLayout.plan(directory, size, SHAPE);
        int made = 0;
        Path files = offlineFiles();
        for (FleetLayout.Host host : hosts) {
            for (FleetLayout.Vm vm : host.vms()) {
                boolean madeNow = vm.running()
                        ? GuestImage.create(
                                vm.image(),
                                vm.designatedBytes(),
                                guest(vm, host).writtenBytes())
                        : GuestImage.createOffline(vm.image(), vm.designatedBytes(), vm.name(), files);
                made += madeNow ? 1 : 0;
            }
        }
        List<String> ready = new ArrayList<>();
        if (realGuest) {
            FleetLayout.Host first = hosts.getFirst();
            FleetLayout.Datastore hot = first.datastores().getFirst();
            RealGuest.Prepared real = RealGuest.prepare(directory, hot, certs, authority, gateway);
            List<FleetLayout.Vm> vms = new ArrayList<>(hot.vms());
            vms.add(real.vm());
            List<FleetLayout.Datastore> datastores = new ArrayList<>(first.datastores());
            datastores.set(0, new FleetLayout.Datastore(hot.name(), hot.uuid(), hot.directory(), List.copyOf(vms)));
            hosts = new ArrayList<>(hosts);
            hosts.set(0, new FleetLayout.Host(first.name(), first.file(), List.copyOf(datastores)));
            ready.add(RealGuest.CONFIG_VARIABLE + "=" + real.agentConfig());
            ready.add(RealGuest.MOUNT_VARIABLE + "=" + real.mount());
            ready.add(RealGuest.LOOP_VARIABLE + "=" + real.loopDevice());
            log.info("fleet: real guest " + RealGuest.NAME + " (VM " + RealGuest.VM_ID + ") on " + real.loopDevice()
                    + ", ext4 mounted at " + real.mount() + ", on datastore " + hot.name());
        }
        List<String> uris = new ArrayList<>();
        for (FleetLayout.Host host : hosts) {
            uris.add(FleetLayout.write(host, vm -> GuestImage.allocatedBytes(vm.image())));
        }
        // the VMs laid out: the real guest is one more than --fleet asked for
        log.info("fleet: " + hosts.size() + " hosts, "
                + hosts.stream().mapToInt(host -> host.vms().size()).sum() + " VMs on "
                + hosts.stream().mapToInt(host -> host.datastores().size()).sum() + " datastores in " + directory
                + " (" + made + " images made, the rest kept)");
        if (readyFile != null) {
            ready.addFirst(URIS_VARIABLE + "=" + String.join(",", uris));
            LocalInfrastructure.writeEnvironment(readyFile, ready);
        }
        return hosts;
    }

    /** The files a shut-off VM's filesystem holds: a host name, and 1 MiB of data. */
    private Path offlineFiles() throws IOException {
        Path files = directory.resolve("offline-files");
        if (!Files.exists(files.resolve("var/lib/data.bin"))) {
            Files.createDirectories(files.resolve("etc"));
            Files.createDirectories(files.resolve("var/lib"));
            Files.writeString(files.resolve("etc/hostname"), "a shut-off VM of the simulated fleet\n");
            byte[] data = new byte[1 << 20];
            new java.util.SplittableRandom(seed).nextBytes(data);
            Files.write(files.resolve("var/lib/data.bin"), data);
        }
        return files;
    }

    private void removeFleet() throws IOException {
        Path realMount = directory.resolve(RealGuest.NAME).resolve("mnt");
        if (Files.isDirectory(realMount)) {
            try (Stream<Path> images = Files.walk(directory.resolve("images"))) {
                for (Path image : images.filter(
                                file -> file.getFileName().toString().equals(RealGuest.NAME + ".img"))
                        .toList()) {
                    RealGuest.release(image, realMount);
                }
            }
        }
        Path images = directory.resolve("images");
        if (Files.exists(images)) {
            try (Stream<Path> files = Files.walk(images)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(file);
                }
            }
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.filter(file -> file.getFileName().toString().matches("host-[0-9]+\\.xml"))
                    .toList()) {
                Files.delete(file);
            }
        }
    }

    /** The VM's guest: the first datastore's guests are hot, one in four of the others bursts, the rest drift. */
    private SimulatedGuest guest(FleetLayout.Vm vm, FleetLayout.Host host) {
        boolean hot =
                host.datastores().getFirst().vms().contains(vm) && host.name().equals("host-001");
        SimulatedGuest.Behaviour behaviour = hot
                ? SimulatedGuest.Behaviour.HOT
                : vm.index() % 4 == 1 ? SimulatedGuest.Behaviour.BURSTY : SimulatedGuest.Behaviour.STEADY;
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed * 1_000_003 + vm.index());
        double start = hot ? 0.25 + 0.05 * random.nextDouble() : 0.15 + 0.20 * random.nextDouble();
        double written = Math.min(0.95, start + 0.20 + 0.20 * random.nextDouble());
        return new SimulatedGuest(behaviour, vm.designatedBytes(), start, written, random.nextLong());
    }

    private static ManagedChannel channel(
            CertificateAuthority authority,
            X509Certificate ca,
            FleetLayout.Vm vm,
            String host,
            int port,
            NioEventLoopGroup loop) {
        try {
            CertificateAuthority.AgentCredentials credentials = authority.agentCredentials(vm.id());
            return NettyChannelBuilder.forAddress(host, port)
                    .sslContext(GrpcSslContexts.forClient()
                            .keyManager(credentials.key(), credentials.chain().toArray(X509Certificate[]::new))
                            .trustManager(ca)
                            .build())
                    .eventLoopGroup(loop)
                    .channelType(NioSocketChannel.class)
                    .directExecutor()
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "could not issue the certificate of VM " + vm.id() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites the host files with the images' allocation, and says how the fleet is. */
    private static void summarize(List<FleetLayout.Host> hosts, List<SimulatedAgent> agents, FleetLog log) {
        long imageBytes = 0;
        for (FleetLayout.Host host : hosts) {
            FleetLayout.write(host, vm -> GuestImage.allocatedBytes(vm.image()));
            imageBytes += host.vms().stream()
                    .mapToLong(vm -> GuestImage.allocatedBytes(vm.image()))
                    .sum();
        }
        long utilized = 0;
        long ballast = 0;
        int connected = 0;
        for (SimulatedAgent agent : agents) {
            utilized += agent.utilizedBytes();
            ballast += agent.ballastBytes();
            connected += agent.connected() ? 1 : 0;
        }
        log.summary(agents.size(), connected, utilized, ballast, imageBytes);
    }

    /** Runs {@code work}, saying what went wrong instead of ending the schedule it runs on. */
    private static void guarded(Runnable work, FleetLog log) {
        try {
            work.run();
        } catch (RuntimeException e) {
            log.warn("fleet: " + e);
        }
    }
}
