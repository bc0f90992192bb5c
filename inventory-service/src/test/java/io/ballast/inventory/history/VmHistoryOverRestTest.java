package io.ballast.inventory.history;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.inventory.SimulatedWorker;
import io.ballast.inventory.budget.store.BudgetChanges;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.ballast.v1.BallastApplied;
import io.ballast.proto.ballast.v1.BallastFailed;
import io.ballast.proto.ballast.v1.BallastFailure;
import io.ballast.proto.ballast.v1.SetBallastSize;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.worker.v1.ImageResult;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.support.events.Events;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TestFleets;
import io.ballast.testsupport.TokenResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A VM's history over REST: budget changes the reservation service and the agents publish on the real broker, the
 * guest's usage reports, and the scan and resize jobs the worker answers, in one time-ordered list.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class VmHistoryOverRestTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long MIB = 1L << 20;
    private static final String VM = "4b000000-0000-0000-0000-000000000001";
    private static final String ROOT = VM + "-vda";
    private static final String DATA = VM + "-vdb";

    @InjectKafkaBroker
    Broker broker;

    @Inject
    BudgetChanges budgets;

    /** Publishes {@code payload} for the VM as {@code producer} would have at {@code at}. */
    private void publishAt(String producer, Instant at, Topic topic, Message payload) {
        try (EventProducer events = EventProducer.connect(
                broker.bootstrapServers(), new Events(producer, Clock.fixed(at, ZoneOffset.UTC)))) {
            events.publish(topic, topic.keyOf(payload).orElse(VM), payload);
        }
    }

    private static SetBallastSize set(String guestDisk, String mountPoint, long generation, long bytes) {
        return SetBallastSize.newBuilder()
                .setVmId(VM)
                .setDiskId(guestDisk)
                .setMountPoint(mountPoint)
                .setGeneration(generation)
                .setTargetBytes(bytes)
                .build();
    }

    private static FilesystemUsage.Builder filesystem(String mountPoint, String guestDisk, long total, long used) {
        return FilesystemUsage.newBuilder()
                .setMountPoint(mountPoint)
                .setDiskId(guestDisk)
                .setTotalBytes(total)
                .setUtilizedBytes(used)
                .setFreeBytes(total - used);
    }

    private static UsageReported usage(long rootUsedBytes, boolean withData) {
        UsageReported.Builder report = UsageReported.newBuilder()
                .setVmId(VM)
                .addFilesystems(filesystem("/", "virtio-h-root", 16 * GIB, rootUsedBytes)
                        .setBallastBytes(2 * GIB));
        if (withData) {
            report.addFilesystems(filesystem("/data", "virtio-h-data", 8 * GIB, GIB));
        }
        return report.build();
    }

    @Test
    void jobsBudgetChangesAndUsageComeBackInTimeOrderPageByPage() {
        Api.addHost(new HostFile()
                .pool(
                        "pool-h",
                        "4a000000-0000-0000-0000-000000000001",
                        "/ds/h",
                        volume("h.img", 20, 5, "raw"),
                        volume("h-data.img", 10, 1, "raw"))
                .domain(
                        "h",
                        VM,
                        true,
                        disk("vda", "/ds/h/h.img", "raw", "h-root"),
                        disk("vdb", "/ds/h/h-data.img", "raw", "h-data"))
                .writeTo(TestFleets.file("history")));
        Instant h0 = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(3));
        String since = h0.minus(Duration.ofHours(1)).toString();

        publishAt("guest-gateway", h0.plus(Duration.ofMinutes(5)), Topic.GUEST_TELEMETRY, usage(4 * GIB, true));
        publishAt("guest-gateway", h0.plus(Duration.ofMinutes(15)), Topic.GUEST_TELEMETRY, usage(6 * GIB, true));
        publishAt("guest-gateway", h0.plus(Duration.ofMinutes(65)), Topic.GUEST_TELEMETRY, usage(5 * GIB, false));
        // the reservation service gives the root filesystem 2 GiB (its ballast 6 → 4 GiB), then takes 4 GiB back
        publishAt(
                "reservation-service",
                h0.plus(Duration.ofMinutes(10)),
                Topic.BALLAST_COMMANDS,
                set("virtio-h-root", "/", 1, 6 * GIB));
        try (EventProducer reservation = EventProducer.connect(
                broker.bootstrapServers(),
                new Events("reservation-service", Clock.fixed(h0.plus(Duration.ofMinutes(20)), ZoneOffset.UTC)))) {
            var record = reservation
                    .codec()
                    .record(
                            Topic.BALLAST_COMMANDS,
                            Topic.vmDiskKey(VM, "virtio-h-root"),
                            set("virtio-h-root", "/", 2, 4 * GIB));
            reservation.send(record);
            reservation.send(record); // delivered twice: kept once
        }
        publishAt(
                "reservation-service",
                h0.plus(Duration.ofMinutes(22)),
                Topic.BALLAST_COMMANDS,
                set("virtio-h-root", "/", 2, 4 * GIB)); // resent with its generation: kept once
        publishAt(
                "guest-gateway",
                h0.plus(Duration.ofMinutes(21)),
                Topic.BALLAST_ACKS,
                BallastApplied.newBuilder()
                        .setVmId(VM)
                        .setDiskId("virtio-h-root")
                        .setMountPoint("/")
                        .setGeneration(2)
                        .setActualBytes(4 * GIB)
                        .setAllocatedBytes(4 * GIB)
                        .setRecreated(true)
                        .build());
        publishAt(
                "reservation-service",
                h0.plus(Duration.ofMinutes(29)),
                Topic.BALLAST_COMMANDS,
                set("virtio-h-root", "/", 3, 8 * GIB));
        publishAt(
                "guest-gateway",
                h0.plus(Duration.ofMinutes(30)),
                Topic.BALLAST_ACKS,
                BallastFailed.newBuilder()
                        .setVmId(VM)
                        .setDiskId("virtio-h-root")
                        .setMountPoint("/")
                        .setGeneration(3)
                        .setFailure(BallastFailure.BALLAST_FAILURE_NO_SPACE)
                        .setDetail("8 GiB do not fit next to 6 GiB used")
                        .setActualBytes(4 * GIB)
                        .build());
        publishAt(
                "reservation-service",
                h0.plus(Duration.ofMinutes(40)),
                Topic.BALLAST_COMMANDS,
                set("virtio-h-root", "/", 4, -1)); // 2^64 − 1 bytes: no size, skipped
        publishAt(
                "reservation-service",
                h0.plus(Duration.ofMinutes(70)),
                Topic.BALLAST_COMMANDS,
                set("virtio-nothing", "/x", 1, GIB));

        String scanId;
        String resizeId;
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            scanId = worker.scanned(
                            ROOT,
                            SimulatedWorker.layout(
                                    "GPT", 20 * GIB, 0, SimulatedWorker.ext4(1, MIB, 16 * GIB, 2 * GIB, GIB, MIB)))
                    .getJobId();
            resizeId = Api.post(
                            "/api/v1/resize-jobs",
                            Roles.OPERATOR,
                            Map.of(
                                    "vmId",
                                    VM,
                                    "diskId",
                                    ROOT,
                                    "targets",
                                    List.of(Map.of("partition", 1, "sizeBytes", 8 * GIB))))
                    .then()
                    .statusCode(201)
                    .extract()
                    .jsonPath()
                    .getString("id");
            ResizeJob resize = worker.nextResize();
            worker.start(resizeId, JobKind.JOB_KIND_RESIZE, ROOT, resize.getHostId());
            worker.finish(
                    resizeId,
                    ImageResult.newBuilder()
                            .setImageBeforeBytes(20 * GIB)
                            .setImageAfterBytes(12 * GIB)
                            .setBackedBeforeBytes(5 * GIB)
                            .setBackedAfterBytes(3 * GIB)
                            .build());
        }

        await().atMost(WAIT)
                .alias("six budget changes, two hours of usage and three jobs (a scan follows the resize)")
                .until(() -> Api.get("/api/v1/vms/{id}/history?since={s}", VM, since)
                                .getList("entries")
                                .size()
                        == 11);
        await().atMost(WAIT).until(() -> Api.get("/api/v1/resize-jobs/{id}", resizeId)
                .getString("state")
                .equals("FINISHED"));

        JsonPath history = Api.get("/api/v1/vms/{id}/history?since={s}", VM, since);
        assertThat(history.getString("vmId")).isEqualTo(VM);
        assertThat(history.getString("since")).isEqualTo(since);
        assertThat(history.getString("next")).isNull();
        assertThat(history.getList("entries.type", String.class))
                .containsExactly(
                        "usage", "budget", "budget", "budget", "budget", "budget", "usage", "budget", "job", "job",
                        "job");
        List<Instant> times = history.getList("entries.at", String.class).stream()
                .map(Instant::parse)
                .toList();
        assertThat(times).isSorted();
        assertThat(times.subList(0, 8))
                .containsExactly(
                        h0,
                        h0.plus(Duration.ofMinutes(10)),
                        h0.plus(Duration.ofMinutes(20)),
                        h0.plus(Duration.ofMinutes(21)),
                        h0.plus(Duration.ofMinutes(29)),
                        h0.plus(Duration.ofMinutes(30)),
                        h0.plus(Duration.ofHours(1)),
                        h0.plus(Duration.ofMinutes(70)));

        assertThat(history.getList("entries[0].usage.mountPoint", String.class)).containsExactly("/", "/data");
        assertThat(history.getString("entries[0].usage[0].diskId")).isEqualTo(ROOT);
        assertThat(history.getLong("entries[0].usage[0].utilizedBytes"))
                .as("the hour's mean of 4 and 6 GiB")
                .isEqualTo(5 * GIB);
        assertThat(history.getLong("entries[0].usage[0].utilizedMaxBytes")).isEqualTo(6 * GIB);
        assertThat(history.getLong("entries[0].usage[0].ballastBytes")).isEqualTo(2 * GIB);
        assertThat(history.getInt("entries[0].usage[0].reports")).isEqualTo(2);
        assertThat(history.getString("entries[0].usage[1].diskId")).isEqualTo(DATA);
        assertThat(history.getList("entries[6].usage.mountPoint", String.class)).containsExactly("/");

        assertThat(history.getString("entries[1].budget.diskId")).isEqualTo(ROOT);
        assertThat(history.getString("entries[1].budget.guestDisk")).isEqualTo("virtio-h-root");
        assertThat(history.getString("entries[1].budget.change")).isEqualTo("SET");
        assertThat(history.getLong("entries[1].budget.ballastBytes")).isEqualTo(6 * GIB);
        assertThat(history.getString("entries[1].budget.previousBallastBytes")).isNull();
        assertThat(history.getLong("entries[2].budget.generation")).isEqualTo(2);
        assertThat(history.getLong("entries[2].budget.ballastBytes")).isEqualTo(4 * GIB);
        assertThat(history.getLong("entries[2].budget.previousBallastBytes"))
                .as("the ballast set before: 2 GiB more for the guest")
                .isEqualTo(6 * GIB);
        assertThat(history.getString("entries[3].budget.change")).isEqualTo("APPLIED");
        assertThat(history.getLong("entries[3].budget.ballastBytes")).isEqualTo(4 * GIB);
        assertThat(history.getString("entries[3].budget.detail")).isEqualTo("the ballast file was recreated");
        assertThat(history.getLong("entries[4].budget.previousBallastBytes")).isEqualTo(4 * GIB);
        assertThat(history.getString("entries[5].budget.change")).isEqualTo("FAILED");
        assertThat(history.getString("entries[5].budget.failure")).isEqualTo("NO_SPACE");
        assertThat(history.getString("entries[5].budget.detail")).isEqualTo("8 GiB do not fit next to 6 GiB used");
        assertThat(history.getLong("entries[5].budget.ballastBytes")).isEqualTo(4 * GIB);
        assertThat(history.getString("entries[7].budget.diskId"))
                .as("a name that is none of the VM's disks")
                .isNull();
        assertThat(history.getString("entries[7].budget.mountPoint")).isEqualTo("/x");

        assertThat(history.getList("entries.job.id", String.class)).startsWith(scanId, resizeId);
        assertThat(history.getString("entries[8].job.kind")).isEqualTo("SCAN");
        assertThat(history.getString("entries[8].job.state")).isEqualTo("FINISHED");
        assertThat(history.getList("entries[8].job.steps.step", String.class)).containsExactly("started", "finished");
        assertThat(history.getString("entries[9].job.state")).isEqualTo("FINISHED");
        assertThat(history.getLong("entries[9].job.projectedSavingsBytes")).isEqualTo(8 * GIB);
        assertThat(history.getLong("entries[9].job.realizedSavingsBytes")).isEqualTo(2 * GIB);
        assertThat(history.getList("entries[9].job.steps.step", String.class))
                .containsExactly("queued", "started", "finished");
        assertThat(history.getString("entries[10].job.kind"))
                .as("the layout is read again after the resize")
                .isEqualTo("SCAN");
        assertThat(history.getMap("entries[1]")).doesNotContainKeys("job", "usage");

        // page by page: the same entries
        List<String> paged = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            JsonPath page = after == null
                    ? Api.get("/api/v1/vms/{id}/history?since={s}&limit=4", VM, since)
                    : Api.get("/api/v1/vms/{id}/history?since={s}&limit=4&after={a}", VM, since, after);
            paged.addAll(page.getList("entries.at", String.class));
            after = page.getString("next");
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(paged).isEqualTo(history.getList("entries.at", String.class));

        assertThat(Api.get("/api/v1/vms/{id}/history?since={s}&type=budget&type=job", VM, since)
                        .getList("entries.type", String.class))
                .containsExactly("budget", "budget", "budget", "budget", "budget", "budget", "job", "job", "job");
        JsonPath window = Api.get(
                "/api/v1/vms/{id}/history?since={s}&until={u}",
                VM,
                h0.plus(Duration.ofMinutes(15)).toString(),
                h0.plus(Duration.ofMinutes(65)).toString());
        assertThat(window.getList("entries.at", String.class))
                .as("from since, before until; an hour of usage by its start")
                .containsExactly(
                        h0.plus(Duration.ofMinutes(20)).toString(),
                        h0.plus(Duration.ofMinutes(21)).toString(),
                        h0.plus(Duration.ofMinutes(29)).toString(),
                        h0.plus(Duration.ofMinutes(30)).toString(),
                        h0.plus(Duration.ofHours(1)).toString());

        // kept as long as hourly usage: 90 days
        budgets.purge(h0.plus(Duration.ofDays(90)).plus(Duration.ofMinutes(25)));
        assertThat(Api.get("/api/v1/vms/{id}/history?since={s}&type=budget", VM, since)
                        .getList("entries.at", String.class))
                .containsExactly(
                        h0.plus(Duration.ofMinutes(29)).toString(),
                        h0.plus(Duration.ofMinutes(30)).toString(),
                        h0.plus(Duration.ofMinutes(70)).toString());
    }

    @Test
    void badHistoryRequestsAreProblems() {
        String vm = ConfiguredFleet.WEB;
        Api.problem(Api.read("/api/v1/vms/no-such-vm/history"), 404, "not-found");
        Api.problem(Api.read("/api/v1/vms/{id}/history?since=yesterday", vm), 400, "invalid-input");
        Api.problem(
                Api.read(
                        "/api/v1/vms/{id}/history?since={t}&until={t}",
                        vm,
                        "2026-12-01T00:00:00Z",
                        "2026-12-01T00:00:00Z"),
                400,
                "invalid-input");
        Api.problem(Api.read("/api/v1/vms/{id}/history?limit=0", vm), 400, "invalid-input");
        Api.problem(Api.read("/api/v1/vms/{id}/history?limit=1001", vm), 400, "invalid-input");
        Api.problem(Api.read("/api/v1/vms/{id}/history?type=alerts", vm), 400, "invalid-input");
        Api.problem(Api.read("/api/v1/vms/{id}/history?after=not-a-page", vm), 400, "invalid-input");
    }
}
