package io.ballast.bench.gateway;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.ballast.bench.Benchmark;
import io.ballast.bench.GatewayStack;
import io.ballast.bench.Machine;
import io.ballast.bench.Report;
import io.ballast.bench.Rounds;
import io.ballast.bench.Stats;
import io.ballast.local.Checkout;
import io.ballast.local.KafkaTopics;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Topic;
import io.ballast.support.events.Events;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./ballast bench gateway-restart}: a gateway started on a broker whose command topic has had N commands sent
 * (over D disks, each answered but for its newest), timed from its start to ready, which it is once it has read its
 * commands, acknowledgements and inventory up to where they ended at its start. Ballast's topics as {@code deploy/kafka}
 * defines them (the command and acknowledgement topics compacted by VM and disk, the cleaner given time to run) against
 * the same commands on those two topics deleted by age only, as they were before; each round runs both.
 */
@Command(
        name = "gateway-restart",
        description = "A gateway started after N commands: time to ready with the command and acknowledgement topics"
                + " compacted (deploy/kafka) against the same topics deleted by age only.")
public final class GatewayRestartBench extends Benchmark {

    static final long GOAL_COMMANDS = 1_000_000;
    static final double GOAL_READY_SECONDS = 30;
    /** How long the cleaner is given to compact what was sent. */
    private static final Duration CLEANING_BOUND = Duration.ofMinutes(3);

    private static final List<String> GATEWAY_JVM = List.of("-Xmx1g", "--sun-misc-unsafe-memory-access=allow");

    @Option(
            names = "--commands",
            paramLabel = "N",
            description = "Commands sent before the gateway starts (default: ${DEFAULT-VALUE}).")
    long commands = GOAL_COMMANDS;

    @Option(
            names = "--disks",
            paramLabel = "D",
            description = "Disks the commands are for, one VM each (default: ${DEFAULT-VALUE}).")
    int disks = 10_000;

    @Mixin
    Rounds rounds = new Rounds(1, 10);

    /** One gateway start: how long to ready, and what the command topic held on disk. */
    record Start(double readySeconds, long commandTopicBytes) {}

    @Override
    protected Report measure() throws Exception {
        if (commands < 1 || commands > 10_000_000) {
            throw new IllegalArgumentException("--commands must be 1 to 10000000, not " + commands);
        }
        if (disks < 1 || disks > commands) {
            throw new IllegalArgumentException("--disks must be 1 to --commands (" + commands + "), not " + disks);
        }
        List<Start> compacted = new ArrayList<>();
        List<Start> byAge = new ArrayList<>();
        for (int round = 1; round <= rounds.count(); round++) {
            compacted.add(start(true));
            byAge.add(start(false));
            progress()
                    .printf(
                            Locale.ROOT,
                            "round %d: ready in %.1f s compacted (%d MiB of commands), %.1f s by age (%d MiB)%n",
                            round,
                            compacted.getLast().readySeconds(),
                            compacted.getLast().commandTopicBytes() >> 20,
                            byAge.getLast().readySeconds(),
                            byAge.getLast().commandTopicBytes() >> 20);
        }
        return new GatewayRestartReport(
                Machine.here(),
                commands,
                disks,
                rounds.count(),
                Stats.median(compacted.stream().map(Start::readySeconds).toList()),
                Stats.median(byAge.stream().map(Start::readySeconds).toList()),
                Stats.pairedRatio(
                        compacted.stream().map(Start::readySeconds).toList(),
                        byAge.stream().map(Start::readySeconds).toList()),
                (long) Stats.median(
                        compacted.stream().map(Start::commandTopicBytes).toList()),
                (long) Stats.median(byAge.stream().map(Start::commandTopicBytes).toList()));
    }

    private Start start(boolean compacted) throws Exception {
        try (GatewayStack stack = GatewayStack.startKafka(Checkout.containing(GatewayRestartBench.class), progress());
                Admin admin = Admin.create(Map.of("bootstrap.servers", stack.kafkaBootstrap()))) {
            if (!compacted) {
                deleteByAgeOnly(admin);
            }
            send(stack.kafkaBootstrap());
            long bytes = compacted ? awaitCleaned(admin) : commandTopicBytes(admin);
            long started = System.nanoTime();
            stack.startGateway(GATEWAY_JVM);
            double seconds = (System.nanoTime() - started) / 1e9;
            stack.succeeded();
            return new Start(seconds, bytes);
        }
    }

    /** The two topics as they were before they were compacted: deleted by age only. */
    private static void deleteByAgeOnly(Admin admin) throws Exception {
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new java.util.HashMap<>();
        for (Topic topic : List.of(Topic.BALLAST_COMMANDS, Topic.BALLAST_ACKS)) {
            ops.put(
                    new ConfigResource(ConfigResource.Type.TOPIC, topic.topicName()),
                    List.of(new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SET)));
        }
        admin.incrementalAlterConfigs(ops).all().get(30, TimeUnit.SECONDS);
    }

    /**
     * Sends the commands, round-robin over the disks with rising generations, as the reservation service would, and
     * the acknowledgement of each but the last for its disk.
     */
    private void send(String bootstrap) throws Exception {
        Events reservation = new Events("reservation-service");
        Events gateway = new Events("guest-gateway");
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName(),
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "none"))) {
            long started = System.nanoTime();
            for (long i = 0; i < commands; i++) {
                int disk = (int) (i % disks);
                long generation = i / disks + 1;
                String vm = String.format(Locale.ROOT, "0000bench-0000-4000-8000-%012d", disk);
                String diskId = "virtio-disk-" + disk;
                SetBallastSize command = SetBallastSize.newBuilder()
                        .setVmId(vm)
                        .setDiskId(diskId)
                        .setMountPoint("/")
                        .setGeneration(generation)
                        .setTargetBytes((generation % 64 + 1) << 26)
                        .build();
                String key = Topic.vmDiskKey(vm, diskId);
                producer.send(reservation.record(Topic.BALLAST_COMMANDS, key, command), (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    }
                });
                if (i + disks < commands) {
                    BallastApplied applied = BallastApplied.newBuilder()
                            .setVmId(vm)
                            .setDiskId(diskId)
                            .setMountPoint("/")
                            .setGeneration(generation)
                            .setActualBytes(command.getTargetBytes())
                            .build();
                    producer.send(gateway.record(Topic.BALLAST_ACKS, key, applied), (metadata, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        }
                    });
                }
            }
            producer.flush();
            progress()
                    .printf(
                            Locale.ROOT,
                            "sent %d commands over %d disks in %.1f s%n",
                            commands,
                            disks,
                            (System.nanoTime() - started) / 1e9);
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "the broker did not take the commands: " + failure.get().getMessage());
        }
    }

    /**
     * Waits until the cleaner has compacted what it can of the command topic (its size on disk has not fallen for
     * 30 s; at once when no partition has rolled a segment the cleaner could take, or the bound passed) and answers
     * that size.
     */
    private long awaitCleaned(Admin admin) throws Exception {
        long segmentBytes = Long.parseLong(KafkaTopics.all().stream()
                .filter(topic -> topic.name().equals(Topic.BALLAST_COMMANDS.topicName()))
                .findFirst()
                .orElseThrow()
                .configs()
                .get("segment.bytes"));
        Map<Integer, Long> partitions = commandTopicPartitionBytes(admin);
        long before = sum(partitions);
        if (partitions.values().stream().allMatch(bytes -> bytes < segmentBytes)) {
            progress().printf(Locale.ROOT, "command topic %d MiB: no segment to clean yet%n", before >> 20);
            return before;
        }
        long smallest = before;
        long since = System.nanoTime();
        long deadline = System.nanoTime() + CLEANING_BOUND.toNanos();
        while (System.nanoTime() < deadline
                && System.nanoTime() - since < Duration.ofSeconds(30).toNanos()) {
            Thread.sleep(2000);
            long now = sum(commandTopicPartitionBytes(admin));
            if (now < smallest) {
                smallest = now;
                since = System.nanoTime();
            }
        }
        progress()
                .printf(
                        Locale.ROOT,
                        "command topic %d MiB before cleaning, %d MiB after%n",
                        before >> 20,
                        smallest >> 20);
        return smallest;
    }

    private static long commandTopicBytes(Admin admin) throws Exception {
        return sum(commandTopicPartitionBytes(admin));
    }

    private static long sum(Map<Integer, Long> partitions) {
        return partitions.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The command topic's size on the broker's disk, by partition. */
    private static Map<Integer, Long> commandTopicPartitionBytes(Admin admin) throws Exception {
        Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(
                        admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream()
                                .map(node -> node.id())
                                .toList())
                .allDescriptions()
                .get(30, TimeUnit.SECONDS);
        Map<Integer, Long> bytes = new java.util.TreeMap<>();
        for (Map<String, LogDirDescription> byDir : dirs.values()) {
            for (LogDirDescription dir : byDir.values()) {
                for (var replica : dir.replicaInfos().entrySet()) {
                    if (replica.getKey().topic().equals(Topic.BALLAST_COMMANDS.topicName())) {
                        ReplicaInfo info = replica.getValue();
                        bytes.merge(replica.getKey().partition(), info.size(), Long::sum);
                    }
                }
            }
        }
        return bytes;
    }

    /** The figures of a run. */
    public record GatewayRestartReport(
            @JsonProperty Machine machine,
            @JsonProperty long commands,
            @JsonProperty int disks,
            @JsonProperty int rounds,
            @JsonProperty double compactedReadySecondsMedian,
            @JsonProperty double byAgeReadySecondsMedian,
            @JsonProperty double readyRatio,
            @JsonProperty long compactedCommandTopicBytes,
            @JsonProperty long byAgeCommandTopicBytes)
            implements Report {

        /** A gateway restarted after 1,000,000 commands is ready within 30 s. */
        @JsonProperty
        public boolean readyGoalMet() {
            return commands >= GOAL_COMMANDS && compactedReadySecondsMedian <= GOAL_READY_SECONDS;
        }

        @Override
        public String text() {
            return String.format(
                    Locale.ROOT,
                    """
                    gateway-restart bench: a gateway started after %d commands over %d disks, %d round(s)
                      compacted (deploy/kafka)   ready in %.1f s (median); the command topic %d MiB on disk
                      deleted by age only        ready in %.1f s (median); the command topic %d MiB on disk
                      ratio                      %.2f (paired, compacted / by age)
                      goal                       ready within %.0f s after %d commands: %s""",
                    commands,
                    disks,
                    rounds,
                    compactedReadySecondsMedian,
                    compactedCommandTopicBytes >> 20,
                    byAgeReadySecondsMedian,
                    byAgeCommandTopicBytes >> 20,
                    readyRatio,
                    GOAL_READY_SECONDS,
                    GOAL_COMMANDS,
                    readyGoalMet() ? "met" : commands < GOAL_COMMANDS ? "not measured (fewer commands)" : "NOT met");
        }
    }
}
