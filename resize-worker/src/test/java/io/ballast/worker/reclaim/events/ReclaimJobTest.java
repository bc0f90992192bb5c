package io.ballast.worker.reclaim.events;

import static io.ballast.worker.jobs.events.JobTrail.finishedOrFailed;
import static io.ballast.worker.jobs.events.JobTrail.ofJob;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.ballast.proto.ballast.v1.Extent;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobProgress;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.ReclaimJob;
import io.ballast.support.events.Events;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.worker.image.ByteRange;
import io.ballast.worker.reclaim.BallastedDisk;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reclaim jobs through the real broker to the booted worker, on a live loop-mounted guest disk. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
class ReclaimJobTest {

    private static final long MIB = BallastedDisk.MIB;

    @InjectKafkaBroker
    Broker broker;

    @TempDir
    Path temp;

    private final Events reservation = new Events("reservation-service");

    @Test
    void aReclaimJobPunchesTheBallastAndReportsEachStep() throws Exception {
        try (BallastedDisk disk = new BallastedDisk(temp, 64 * MIB);
                EventTap progress = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_PROGRESS)) {
            long allocatedBefore = disk.allocatedBytes();
            ReclaimJob job = job("test-host", disk.image(), disk.ballastRanges());

            send(job);
            List<Decoded.Event> events = progress.readUntil(finishedOrFailed(job.getJobId()), Duration.ofSeconds(60));

            List<Message> own = ofJob(events, job.getJobId());
            assertThat(own.getFirst()).isInstanceOfSatisfying(JobStarted.class, started -> {
                assertThat(started.getDiskId()).isEqualTo(job.getDiskId());
                assertThat(started.getWorkerHost()).isEqualTo("test-host");
            });
            assertThat(own.get(own.size() - 2)).isInstanceOfSatisfying(JobProgress.class, p -> {
                assertThat(p.getBytesDone()).isEqualTo(64 * MIB);
                assertThat(p.getBytesTotal()).isEqualTo(64 * MIB);
            });
            assertThat(own.getLast()).isInstanceOfSatisfying(JobFinished.class, finished -> {
                var result = finished.getReclaim();
                assertThat(result.getBackedBeforeBytes()).isEqualTo(allocatedBefore);
                assertThat(result.getBackedInRangesBeforeBytes()).isBetween(56 * MIB, 64 * MIB);
                assertThat(result.getBackedBeforeBytes() - result.getBackedAfterBytes())
                        .isBetween(result.getBackedInRangesBeforeBytes() - MIB, result.getBackedInRangesBeforeBytes());
                assertThat(result.getTamperedBytes()).isZero();
            });
            assertThat(disk.allocatedBytes()).isLessThan(allocatedBefore - 55 * MIB);
        }
    }

    @Test
    void aJobSentAgainIsAnsweredAsBeforeAndPunchesNothing() throws Exception {
        // the reservation may have given the ranges back to the guest after the first answer: a second copy of the
        // job (a redelivery, a resend) must not punch what was written there since
        try (BallastedDisk disk = new BallastedDisk(temp, 32 * MIB)) {
            ReclaimJob job = job("test-host", disk.image(), disk.ballastRanges());
            Message firstAnswer;
            try (EventTap progress = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_PROGRESS)) {
                send(job);
                firstAnswer = ofJob(
                                progress.readUntil(finishedOrFailed(job.getJobId()), Duration.ofSeconds(60)),
                                job.getJobId())
                        .getLast();
            }
            assertThat(firstAnswer).isInstanceOf(JobFinished.class);
            ByteRange written = disk.ballastRanges().getFirst();
            try (var image = java.nio.channels.FileChannel.open(disk.image(), java.nio.file.StandardOpenOption.WRITE)) {
                image.write(
                        java.nio.ByteBuffer.wrap(new byte[(int) Math.min(written.lengthBytes(), MIB)]),
                        written.startBytes());
                image.write(java.nio.ByteBuffer.wrap(new byte[] {1}), written.startBytes());
                image.force(true);
            }
            long allocatedBetween = disk.allocatedBytes();

            List<Message> again;
            try (EventTap progress = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_PROGRESS)) {
                send(job);
                again = ofJob(
                        progress.readUntil(finishedOrFailed(job.getJobId()), Duration.ofSeconds(60)), job.getJobId());
            }

            assertThat(again)
                    .as("the first answer again, with no start and no progress")
                    .containsExactly(firstAnswer);
            assertThat(disk.allocatedBytes()).isEqualTo(allocatedBetween);
        }
    }

    @Test
    void aTamperCheckMeasuresWhatWasWrittenBackAndPunchesNothing() throws Exception {
        try (BallastedDisk disk = new BallastedDisk(temp, 32 * MIB);
                EventTap progress = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_PROGRESS)) {
            long allocatedBefore = disk.allocatedBytes();
            ReclaimJob check = job("test-host", disk.image(), disk.ballastRanges()).toBuilder()
                    .setPreviouslyReclaimed(true)
                    .setMeasureOnly(true)
                    .build();

            send(check);
            List<Message> own = ofJob(
                    progress.readUntil(finishedOrFailed(check.getJobId()), Duration.ofSeconds(60)), check.getJobId());

            assertThat(own.getLast()).isInstanceOfSatisfying(JobFinished.class, finished -> {
                var result = finished.getReclaim();
                assertThat(result.getTamperedBytes()).isBetween(24 * MIB, 32 * MIB);
                assertThat(result.getBackedAfterBytes()).isEqualTo(result.getBackedBeforeBytes());
            });
            assertThat(disk.allocatedBytes()).isEqualTo(allocatedBefore);
        }
    }

    @Test
    void anotherHostsJobIsLeftAloneAndABadJobFailsWithTheImageUnchanged() throws Exception {
        try (BallastedDisk disk = new BallastedDisk(temp, 32 * MIB);
                EventTap progress = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_PROGRESS)) {
            long allocatedBefore = disk.allocatedBytes();
            ReclaimJob elsewhere = job("other-host", disk.image(), disk.ballastRanges());
            ReclaimJob onTheTable = job("test-host", disk.image(), List.of(ByteRange.ofLength(4096, 4096)));

            // Same disk, so same partition: the worker sees the other host's job first.
            send(elsewhere);
            send(onTheTable);
            List<Decoded.Event> events =
                    progress.readUntil(finishedOrFailed(onTheTable.getJobId()), Duration.ofSeconds(60));

            assertThat(ofJob(events, elsewhere.getJobId())).isEmpty();
            assertThat(ofJob(events, onTheTable.getJobId()).getLast())
                    .isInstanceOfSatisfying(JobFailed.class, failed -> {
                        assertThat(failed.getStep()).isEqualTo("check");
                        assertThat(failed.getReason()).contains("overlaps the partition table");
                        assertThat(failed.getRolledBack()).isTrue();
                    });
            assertThat(disk.allocatedBytes()).isEqualTo(allocatedBefore);
        }
    }

    private static ReclaimJob job(String host, Path image, List<ByteRange> ranges) {
        ReclaimJob.Builder job = ReclaimJob.newBuilder()
                .setJobId(UUID.randomUUID().toString())
                .setVmId("vm-1")
                .setDiskId("disk-1")
                .setGeneration(1)
                .setHostId(host)
                .setImagePath(image.toString());
        for (ByteRange range : ranges) {
            job.addExtents(
                    Extent.newBuilder().setDiskOffsetBytes(range.startBytes()).setLengthBytes(range.lengthBytes()));
        }
        return job.build();
    }

    private void send(ReclaimJob job) throws Exception {
        try (EventProducer producer = EventProducer.connect(broker.bootstrapServers(), reservation)) {
            producer.publish(Topic.WORKER_JOBS, job.getDiskId(), job);
        }
    }
}
