package io.ballast.worker.jobs.events;

import static io.ballast.worker.jobs.events.JobTrail.finishedOrFailed;
import static io.ballast.worker.jobs.events.JobTrail.ofJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.DiskLayout;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.proto.worker.v1.JobFinished;
import io.ballast.proto.worker.v1.JobStarted;
import io.ballast.proto.worker.v1.JobStep;
import io.ballast.proto.worker.v1.PartitionLayout;
import io.ballast.proto.worker.v1.PartitionTarget;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.proto.worker.v1.ScanJob;
import io.ballast.support.events.Events;
import io.ballast.support.inventory.JobLeaseHolder;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.SystemPrerequisites;
import io.ballast.worker.hypervisor.Hypervisor;
import io.ballast.worker.jobs.InventoryProcess;
import io.ballast.worker.jobs.JobRecord;
import io.ballast.worker.jobs.JobRecords;
import io.ballast.worker.lease.VmLeases;
import io.ballast.worker.plan.Alignment;
import io.ballast.worker.resize.ResizeOptions;
import io.ballast.worker.resize.TestImages;
import io.ballast.worker.resize.journal.ResizeJournal;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resize jobs through the real broker to the booted worker: VM leases from the packaged inventory-service over gRPC
 * ({@link InventoryProcess}), job records in PostgreSQL fenced by their tokens, the VM powered off
 * and on through libvirt (its built-in {@code test:///default} driver and the domain {@code test} it defines), the
 * image renamed while the job owns it, and a worker that stopped mid-job continuing from its record and journal.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(InventoryProcess.class)
class ResizeJobTest {

    private static final String DOMAIN = "test";
    private static final String VM = InventoryProcess.VM;

    @InjectKafkaBroker
    Broker broker;

    @Inject
    Hypervisor hypervisor;

    @Inject
    VmLeases leases;

    @Inject
    JobRecords records;

    @Inject
    ResizeJobs resizeJobs;

    @TempDir
    Path temp;

    private final Events inventory = new Events("inventory-service");

    @BeforeEach
    void prerequisites() throws Exception {
        TestImages.requireTools();
        SystemPrerequisites.requireTools("virsh");
        hypervisor.powerOn(DOMAIN);
    }

    @Test
    void aResizeJobPowersTheVmOffResizesUnderTheJobsNameAndPowersItOnAgain() throws Exception {
        TestImages.Built built = TestImages.mbrWithLogicals(temp);
        Path image = built.image();
        long sizeBefore = Files.size(image);
        ResizeJob job = job(VM, image).build();

        List<Message> own = runJob(job);

        assertThat(own.getFirst()).isInstanceOf(JobStarted.class);
        List<String> steps = own.stream()
                .filter(JobStep.class::isInstance)
                .map(m -> ((JobStep) m).getStep().replaceAll(" \\d+/\\d+$", ""))
                .distinct()
                .toList();
        assertThat(steps).containsExactly("power-off", "lock", "resize", "unlock", "power-on");
        assertThat(own.getLast()).isInstanceOfSatisfying(JobFinished.class, finished -> {
            assertThat(finished.getImage().getImageBeforeBytes()).isEqualTo(sizeBefore);
            assertThat(finished.getImage().getImageAfterBytes()).isLessThan(sizeBefore);
            assertThat(finished.getImage().getLayout()).contains("partition 5: start");
        });
        assertThat(Files.size(image))
                .isEqualTo(((JobFinished) own.getLast()).getImage().getImageAfterBytes());
        assertThat(TestImages.leftovers(image)).isEmpty();
        assertThat(hypervisor.state(DOMAIN)).isEqualTo(Hypervisor.PowerState.RUNNING);
        JobRecord record = records.find(job.getJobId()).orElseThrow();
        assertThat(record.state()).isEqualTo(JobRecord.State.FINISHED);
        assertThat(record.wasRunning()).isTrue();
        assertThat(record.poweredOff()).isFalse();
        assertReleased(job.getVmId());
        TestImages.assertExtKept(built, image, 1, 5);
    }

    @Test
    void aVmLeasedByAnotherHolderOrAPlanThatCannotBeIsRefusedWithEverythingAsItWas() throws Exception {
        Path image = TestImages.mbrWithLogicals(temp).image();
        String before = TestImages.sha256(image);
        String vm = VM;
        VmLeases.Lease other = leases.acquire(vm, "other-worker", Duration.ofMinutes(5));
        List<Message> leased;
        try {
            leased = runJob(job(vm, image).build());
        } finally {
            leases.release(other);
        }

        assertThat(leased.getLast()).isInstanceOfSatisfying(JobFailed.class, failed -> {
            assertThat(failed.getStep()).isEqualTo("lease");
            assertThat(failed.getReason()).contains("FAILED_PRECONDITION").contains("other-worker");
            assertThat(failed.getRolledBack()).isTrue();
        });
        assertThat(TestImages.sha256(image)).isEqualTo(before);

        List<Message> unknown = runJob(job("no-such-vm", image).build());
        assertThat(unknown.getLast()).isInstanceOfSatisfying(JobFailed.class, failed -> {
            assertThat(failed.getStep()).isEqualTo("lease");
            assertThat(failed.getReason()).contains("NOT_FOUND");
        });

        ResizeJob tooSmall = job(vm, image)
                .clearFreeRatio()
                .addTargets(PartitionTarget.newBuilder().setNumber(1).setSizeBytes(4 << 20))
                .build();
        List<Message> refused = runJob(tooSmall);

        assertThat(refused.getLast()).isInstanceOfSatisfying(JobFailed.class, failed -> {
            assertThat(failed.getReason()).contains("below its filesystem's minimum");
            assertThat(failed.getRolledBack()).isTrue();
        });
        assertThat(TestImages.sha256(image)).isEqualTo(before);
        assertThat(TestImages.leftovers(image)).isEmpty();
        assertThat(hypervisor.state(DOMAIN)).isEqualTo(Hypervisor.PowerState.RUNNING);
        assertThat(records.find(tooSmall.getJobId()).orElseThrow().poweredOff()).isFalse();
        assertReleased(vm);
    }

    @Test
    void aWorkerThatStoppedMidResizeContinuesItFromItsRecordAndJournal() throws Exception {
        Stopped stopped = stoppedAtStep4(JobRecord.State.RUNNING);

        try (EventTap progress = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_PROGRESS)) {
            resizeJobs.recover();
            String jobId = stopped.jobId();
            stopped.assertContinued(ofJob(progress.readUntil(finishedOrFailed(jobId), Duration.ofSeconds(120)), jobId));
        }
    }

    @Test
    void aJobThatFailedMidResizeContinuesWhenSentAgain() throws Exception {
        Stopped stopped = stoppedAtStep4(JobRecord.State.FAILED);
        assertLeftOff(1, "the failed job left the VM off");
        hypervisor.powerOn(DOMAIN);
        assertLeftOff(0, "started by someone else: not off any more");
        hypervisor.powerOff(DOMAIN, Duration.ofSeconds(10));
        assertLeftOff(1, "off again");

        List<Message> own = runJob(
                job(stopped.vm(), stopped.image()).setJobId(stopped.jobId()).build());

        stopped.assertContinued(own);
        assertLeftOff(0, "continued and powered on");
    }

    /**
     * The worker's {@code ballast_worker_vms_left_off} for its host, scraped from its {@code /q/metrics}, is
     * {@code expected} (counted at each scrape: a scrape that could not count, NaN, is tried again, and the worker's
     * log says why it could not).
     */
    private static void assertLeftOff(double expected, String why) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(Program.metrics(RestAssured.port)
                                .value("ballast_worker_vms_left_off", Map.of("host", "test-host"))
                                .orElseThrow(() -> new AssertionError("no ballast_worker_vms_left_off for test-host")))
                        .as(why)
                        .isEqualTo(expected));
    }

    /** The image, VM and record a job leaves when it stops in the middle of step 4 of its resize. */
    private record Stopped(
            TestImages.Built built, String jobId, String vm, Path image, Path jobImage, ResizeJobTest test) {

        void assertContinued(List<Message> own) throws Exception {
            assertThat(own.getLast()).isInstanceOf(JobFinished.class);
            assertThat(own).anySatisfy(m -> assertThat(m)
                    .isInstanceOfSatisfying(
                            JobStep.class, step -> assertThat(step.getDetail()).endsWith("(continuing)")));
            assertThat(image).exists();
            assertThat(jobImage).doesNotExist();
            assertThat(TestImages.leftovers(image)).isEmpty();
            assertThat(test.hypervisor.state(DOMAIN)).isEqualTo(Hypervisor.PowerState.RUNNING);
            assertThat(test.records.find(jobId).orElseThrow().state()).isEqualTo(JobRecord.State.FINISHED);
            test.assertReleased(vm);
            TestImages.assertExtKept(built, image, 1, 5);
        }
    }

    /**
     * What a job stopped in the middle of step 4 of its resize leaves: the VM off, the image under the job's name
     * with its journal, and a record in {@code state}; a job that failed (rather than a worker that died) has
     * released its lease.
     */
    private Stopped stoppedAtStep4(JobRecord.State state) throws Exception {
        TestImages.Built built = TestImages.mbrWithLogicals(temp);
        Path image = built.image();
        String vm = VM;
        String jobId = UUID.randomUUID().toString();
        ResizeOptions options =
                new ResizeOptions(Map.of(), OptionalDouble.of(0.3), Alignment.MIB_1, Set.of(), false, true);
        Path jobImage = image.resolveSibling(image.getFileName() + ".ballast-job-" + jobId);
        VmLeases.Lease lease = leases.acquire(vm, JobLeaseHolder.of("test-host", jobId), Duration.ofMinutes(5));
        records.insert(new JobRecord(
                jobId,
                "test-host",
                vm,
                "disk-1",
                DOMAIN,
                image,
                jobImage,
                options,
                state,
                io.ballast.worker.jobs.JobStep.RESIZE,
                true,
                true,
                "powered off by resize job " + jobId + " for disk disk-1",
                lease.token()));
        if (state == JobRecord.State.FAILED) {
            leases.release(lease);
        }
        hypervisor.powerOff(DOMAIN, Duration.ofSeconds(10));
        Files.move(image, jobImage);
        TestImages.interruptAt(jobImage, options, 4);
        assertThat(ResizeJournal.of(jobImage)).exists();
        return new Stopped(built, jobId, vm, image, jobImage, this);
    }

    @Test
    void aScanJobReportsTheLayoutAndChangesNothing() throws Exception {
        Path image = TestImages.mbrWithLogicals(temp).image();
        String before = TestImages.sha256(image);
        ScanJob scan = ScanJob.newBuilder()
                .setJobId(UUID.randomUUID().toString())
                .setVmId("vm-1")
                .setDiskId("disk-1")
                .setHostId("test-host")
                .setImagePath(image.toString())
                .build();

        List<Message> own = send(scan.getJobId(), scan.getDiskId(), scan);
        long size = Files.size(image);

        assertThat(own.getFirst()).isInstanceOf(JobStarted.class);
        assertThat(own.getLast()).isInstanceOfSatisfying(JobFinished.class, finished -> assertThat(
                        finished.getImage().getLayout())
                .startsWith("MBR, " + size + " bytes")
                .contains("partition 1: start 32256, size " + 327617L * 512 + ", ext2/3/4, aligned to 512")
                .contains("partition 6: start " + 528384L * 512 + ", size " + 65536L * 512 + ", swap"));
        DiskLayout layout = ((JobFinished) own.getLast()).getImage().getDiskLayout();
        assertThat(layout.getTable()).isEqualTo("MBR");
        assertThat(layout.getDiskBytes()).isEqualTo(size);
        assertThat(layout.getAlignmentStatus())
                .as("partition 1 starts on a 512-byte boundary: below 4 KiB")
                .isEqualTo(3);
        PartitionLayout first = layout.getPartitions(0);
        assertThat(first.getNumber()).isEqualTo(1);
        assertThat(first.getStartBytes()).isEqualTo(32256);
        assertThat(first.getSizeBytes()).isEqualTo(327617L * 512);
        assertThat(first.getFilesystem()).isEqualTo("ext2/3/4");
        assertThat(first.getAlignmentBytes()).isEqualTo(512);
        assertThat(first.hasUsedBytes()).isTrue();
        assertThat(first.getMinimumBytes()).isBetween(first.getUsedBytes(), first.getSizeBytes());
        assertThat(layout.getPartitionsList())
                .filteredOn(partition -> partition.getNumber() == 6)
                .singleElement()
                .satisfies(swap -> assertThat(swap.getFilesystem()).isEqualTo("swap"));
        assertThat(TestImages.sha256(image)).isEqualTo(before);
    }

    @Test
    void aLeaseThatExpiredAndPassedOnFencesTheOldHoldersWrites() throws Exception {
        String vm = VM;
        VmLeases.Lease first = leases.acquire(vm, "worker-a", Duration.ofSeconds(3));
        assertThatThrownBy(() -> leases.acquire(vm, "worker-b", Duration.ofMinutes(1)))
                .isInstanceOf(VmLeases.Refused.class)
                .hasMessageContaining("worker-a");
        Path image = temp.resolve("disk.img");
        String jobId = "job-" + UUID.randomUUID();
        records.insert(new JobRecord(
                jobId,
                "worker-a",
                vm,
                "disk-1",
                DOMAIN,
                image,
                image,
                new ResizeOptions(Map.of(), OptionalDouble.empty(), Alignment.MIB_1, Set.of(), false, false),
                JobRecord.State.RUNNING,
                io.ballast.worker.jobs.JobStep.LEASE,
                false,
                false,
                "",
                first.token()));

        // inventory lets the first lease end after three seconds; then worker-b may take it
        VmLeases.Lease second = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> tryAcquire(vm, "worker-b"), Optional::isPresent)
                .orElseThrow();

        assertThat(second.token()).isGreaterThan(first.token());
        assertThatThrownBy(() -> leases.renew(first, Duration.ofMinutes(1)))
                .as("inventory refuses the stale token")
                .isInstanceOf(VmLeases.Lost.class)
                .hasMessageContaining("FAILED_PRECONDITION");
        JobRecord stale = records.find(jobId).orElseThrow().at(io.ballast.worker.jobs.JobStep.POWER_OFF);
        assertThat(records.update(stale))
                .as("a record write under the expired token")
                .isFalse();
        assertThat(records.update(stale.under(second.token()))).isTrue();
        leases.release(first);
        assertThatThrownBy(() -> leases.acquire(vm, "worker-c", Duration.ofMinutes(1)))
                .as("releasing under the stale token leaves the new holder's lease")
                .isInstanceOf(VmLeases.Refused.class)
                .hasMessageContaining("worker-b");
        leases.release(second);
        assertReleased(vm);
    }

    @Test
    void aLeaseReleasedWhileInventoryIsAwayIsReleasedOnceItIsBack() throws Exception {
        VmLeases.Lease held = leases.acquire(VM, "worker-a", Duration.ofMinutes(10));
        InventoryProcess.stopForAWhile();
        try {
            leases.release(held);
        } finally {
            InventoryProcess.startAgain();
        }
        // the release is asked for again (after 1, 2, 4, … s): well before the lease's ten minutes
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> tryAcquire(VM, "test-probe"), Optional::isPresent)
                .ifPresent(leases::release);
    }

    private Optional<VmLeases.Lease> tryAcquire(String vm, String holder) {
        try {
            return Optional.of(leases.acquire(vm, holder, Duration.ofMinutes(1)));
        } catch (VmLeases.Refused e) {
            return Optional.empty();
        }
    }

    /** Inventory grants {@code vm}'s lease to another holder at once: whoever held it released it. */
    private void assertReleased(String vm) {
        VmLeases.Lease probe =
                tryAcquire(vm, "test-probe").orElseThrow(() -> new AssertionError("VM " + vm + " is still leased"));
        leases.release(probe);
    }

    private static ResizeJob.Builder job(String vm, Path image) {
        return ResizeJob.newBuilder()
                .setJobId(UUID.randomUUID().toString())
                .setVmId(vm)
                .setDiskId("disk-1")
                .setHostId("test-host")
                .setImagePath(image.toString())
                .setDomain(DOMAIN)
                .setFreeRatio(0.3)
                .setTruncate(true);
    }

    private List<Message> runJob(ResizeJob job) throws Exception {
        return send(job.getJobId(), job.getDiskId(), job);
    }

    private List<Message> send(String jobId, String diskId, Message job) throws Exception {
        try (EventTap progress = EventTap.fromNow(broker.bootstrapServers(), Topic.WORKER_PROGRESS);
                EventProducer producer = EventProducer.connect(broker.bootstrapServers(), inventory)) {
            producer.publish(Topic.WORKER_JOBS, diskId, job);
            return ofJob(progress.readUntil(finishedOrFailed(jobId), Duration.ofSeconds(120)), jobId);
        }
    }
}
