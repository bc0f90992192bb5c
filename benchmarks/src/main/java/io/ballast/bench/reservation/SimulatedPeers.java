package io.ballast.bench.reservation;

import io.ballast.bench.GuestUsage;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.ballast.v1.ExtentList;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.proto.worker.v1.ReclaimResult;
import io.ballast.support.events.Events;
import io.ballast.testsupport.EventProducer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The reservation service's peers, as their events on the broker: each disk's agent reporting its one filesystem and
 * applying every ballast command at once (the ballast placed at the disk's end), and the worker finishing every
 * reclaim job with nothing found written back. One thread reads the commands and jobs from the moment the peers start
 * and answers each; when each command arrived is kept, for the time from a request to its command.
 */
final class SimulatedPeers implements AutoCloseable {

    private final EventProducer agents;
    private final EventProducer worker;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Events codec = new Events("reservation-bench");
    private final Map<String, Guest> guests = new ConcurrentHashMap<>();
    private final Map<String, List<Arrival>> commands = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread reader;
    private volatile boolean running = true;

    /** A disk as its guest holds it: its size, what the guest uses, the ballast last applied. */
    private static final class Guest {
        final String vmId;
        final long designatedBytes;
        volatile long usedBytes;
        volatile long ballastBytes;

        Guest(String vmId, long designatedBytes, long usedBytes) {
            this.vmId = vmId;
            this.designatedBytes = designatedBytes;
            this.usedBytes = usedBytes;
        }
    }

    /** A ballast command as it reached the disk's agent. */
    record Arrival(long nanoTime, long generation, long targetBytes) {}

    SimulatedPeers(String bootstrapServers) {
        agents = EventProducer.batching(bootstrapServers, "guest-gateway");
        worker = EventProducer.batching(bootstrapServers, "resize-worker");
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName()));
        List<TopicPartition> partitions = new ArrayList<>();
        for (Topic topic : List.of(Topic.BALLAST_COMMANDS, Topic.WORKER_JOBS)) {
            consumer.partitionsFor(topic.topicName(), Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(topic.topicName(), info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // the end as it is now, before anything is asked of the service
        reader = Thread.ofPlatform().name("simulated-peers").daemon().start(this::answer);
    }

    /** A disk whose agent reports from now on; {@code serial} is inventory's. */
    void guest(String serial, String vmId, long designatedBytes, long usedBytes) {
        guests.put(GuestUsage.diskName(serial), new Guest(vmId, designatedBytes, usedBytes));
    }

    /** The disk's agent reports its filesystem as the guest holds it now. */
    void report(String serial) {
        Guest guest = guests.get(GuestUsage.diskName(serial));
        agents.publishAsync(
                Topic.GUEST_TELEMETRY,
                guest.vmId,
                GuestUsage.root(guest.vmId, serial, guest.designatedBytes, guest.usedBytes, guest.ballastBytes));
    }

    /** Sends what was published and waits for the broker's acknowledgements. */
    void flush() {
        agents.flush();
        worker.flush();
    }

    /** The commands that reached the disk's agent so far, oldest first. */
    List<Arrival> commands(String serial) {
        return List.copyOf(commands.getOrDefault(GuestUsage.diskName(serial), List.of()));
    }

    /**
     * Stops answering.
     *
     * @throws IllegalStateException when answering failed
     */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            reader.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        agents.close();
        worker.close();
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "the simulated agents and worker failed: " + failure.get().getMessage(), failure.get());
        }
    }

    private void answer() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    long arrived = System.nanoTime();
                    if (codec.decode(record) instanceof Decoded.Event event) {
                        event.payloadAs(SetBallastSize.class).ifPresent(command -> apply(command, arrived));
                        event.payloadAs(ReclaimJob.class).ifPresent(this::finish);
                    }
                }
                agents.flush();
                worker.flush();
            }
        } catch (WakeupException stopping) {
            // close() asked
        } catch (RuntimeException e) {
            failure.set(e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The agent applies the command: its ballast is the disk's last {@code targetBytes}. */
    private void apply(SetBallastSize command, long arrived) {
        Guest guest = guests.get(command.getDiskId());
        if (guest == null) {
            return; // a disk of no guest here
        }
        commands.computeIfAbsent(command.getDiskId(), name -> new CopyOnWriteArrayList<>())
                .add(new Arrival(arrived, command.getGeneration(), command.getTargetBytes()));
        long target = command.getTargetBytes();
        guest.ballastBytes = target;
        ExtentList.Builder extents = ExtentList.newBuilder();
        if (target > 0) {
            extents.addExtents(Extent.newBuilder()
                    .setDiskOffsetBytes(guest.designatedBytes - target)
                    .setLengthBytes(target));
        }
        agents.publishAsync(
                Topic.BALLAST_ACKS,
                Topic.vmDiskKey(guest.vmId, command.getDiskId()),
                BallastApplied.newBuilder()
                        .setVmId(guest.vmId)
                        .setDiskId(command.getDiskId())
                        .setMountPoint(command.getMountPoint())
                        .setGeneration(command.getGeneration())
                        .setActualBytes(target)
                        .setAllocatedBytes(target)
                        .setExtents(extents)
                        .build());
    }

    /** The worker punched the job's ranges; the guest wrote nothing back into them. */
    private void finish(ReclaimJob job) {
        worker.publishAsync(
                Topic.WORKER_PROGRESS,
                job.getJobId(),
                JobFinished.newBuilder()
                        .setJobId(job.getJobId())
                        .setReclaim(ReclaimResult.newBuilder().setTamperedBytes(0))
                        .build());
    }
}
