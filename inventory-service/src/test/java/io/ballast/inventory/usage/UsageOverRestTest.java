package io.ballast.inventory.usage;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.inventory.SimulatedWorker;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
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
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Guests' usage reports from the real broker into the latest figures, every report and hourly summaries. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class UsageOverRestTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String VM = "3b000000-0000-0000-0000-000000000001";
    private static final long MIB = 1L << 20;

    @InjectKafkaBroker
    Broker broker;

    @Inject
    AgroalDataSource dataSource;

    private static UsageReported report(long rootUtilizedBytes, boolean withData) {
        UsageReported.Builder report = UsageReported.newBuilder()
                .setVmId(VM)
                .addFilesystems(FilesystemUsage.newBuilder()
                        .setMountPoint("/")
                        .setDiskId("virtio-u-root")
                        .setTotalBytes(16 * GIB)
                        .setUtilizedBytes(rootUtilizedBytes)
                        .setFreeBytes(16 * GIB - rootUtilizedBytes - GIB)
                        .setBallastBytes(GIB));
        if (withData) {
            report.addFilesystems(FilesystemUsage.newBuilder()
                    .setMountPoint("/data")
                    .setDiskId("md0")
                    .setTotalBytes(8 * GIB)
                    .setUtilizedBytes(GIB)
                    .setFreeBytes(7 * GIB));
        }
        return report.build();
    }

    @Test
    void reportsBecomeTheLatestFiguresEveryReportAndHourlySummariesEachKeptOnce() throws SQLException {
        String uri = new HostFile()
                .pool("pool-u", "3a000000-0000-0000-0000-000000000001", "/ds/u", volume("u.img", 16, 3, "raw"))
                .domain("u", VM, true, disk("vda", "/ds/u/u.img", "raw", "u-root"))
                .writeTo(TestFleets.file("usage"));
        Api.addHost(uri);

        Instant now = Instant.now();
        Instant hour = now.minus(Duration.ofDays(3)).truncatedTo(ChronoUnit.HOURS);
        try (EventProducer early = EventProducer.connect(
                        broker.bootstrapServers(),
                        new Events("guest-gateway", Clock.fixed(hour.plusSeconds(600), ZoneOffset.UTC)));
                EventProducer later = EventProducer.connect(
                        broker.bootstrapServers(),
                        new Events("guest-gateway", Clock.fixed(hour.plusSeconds(1200), ZoneOffset.UTC)));
                EventProducer gateway = EventProducer.connect(broker.bootstrapServers(), "guest-gateway")) {
            early.publish(Topic.GUEST_TELEMETRY, VM, report(4 * GIB, true));
            var again = later.codec().record(Topic.GUEST_TELEMETRY, VM, report(6 * GIB, true));
            later.send(again);
            later.send(again); // delivered twice: kept once
            gateway.publish(Topic.GUEST_TELEMETRY, VM, report(5 * GIB, false));
        }

        await().atMost(WAIT)
                .until(() ->
                        Api.get("/api/v1/vms/{id}", VM).getList("filesystems").size() == 1);
        JsonPath vm = Api.get("/api/v1/vms/{id}", VM);
        assertThat(vm.getString("filesystems[0].mountPoint")).isEqualTo("/");
        assertThat(vm.getString("filesystems[0].diskId"))
                .as("the by-id name ends in the disk's serial")
                .isEqualTo(VM + "-vda");
        assertThat(vm.getString("filesystems[0].guestDisk")).isEqualTo("virtio-u-root");
        assertThat(vm.getLong("filesystems[0].utilizedBytes")).isEqualTo(5 * GIB);
        assertThat(vm.getLong("filesystems[0].ballastBytes")).isEqualTo(GIB);

        JsonPath history = Api.get(
                "/api/v1/vms/{id}/usage?mountPoint=/&since={since}",
                VM,
                now.minus(Duration.ofDays(4)).toString());
        assertThat(history.getList("points")).hasSize(2);
        assertThat(Instant.parse(history.getString("points[0].at"))).isEqualTo(hour);
        assertThat(history.getLong("points[0].utilizedBytes"))
                .as("the hour's mean of 4 and 6 GiB, the report delivered twice counted once")
                .isEqualTo(5 * GIB);
        assertThat(history.getLong("points[0].utilizedMaxBytes")).isEqualTo(6 * GIB);
        assertThat(history.getLong("points[1].utilizedBytes")).isEqualTo(5 * GIB);

        await().atMost(WAIT)
                .alias("reports older than a day are deleted; the hourly summary stays")
                .until(() -> count("usage_sample WHERE vm_id = '" + VM + "'") == 1);
        assertThat(count("usage_hourly WHERE vm_id = '" + VM + "' AND mount_point = '/'"))
                .isEqualTo(2);

        Api.problem(Api.read("/api/v1/vms/{id}/usage", VM), 400, "invalid-input");
        Api.problem(Api.read("/api/v1/vms/{id}/usage?mountPoint=/&since=yesterday", VM), 400, "invalid-input");
        Api.problem(Api.read("/api/v1/vms/no-such-vm/usage?mountPoint=/"), 404, "not-found");
    }

    @Test
    void aDisksGrowthIsEstimatedFromItsHourlyUsageAndLeftRoomForByItsProfile() {
        String vm = "3b000000-0000-0000-0000-000000000011";
        String diskId = vm + "-vda";
        Api.addHost(new HostFile()
                .pool("pool-g", "3a000000-0000-0000-0000-000000000011", "/ds/g", volume("g.img", 11, 3, "raw"))
                .domain("g", vm, true, disk("vda", "/ds/g/g.img", "raw", "g-root"))
                .writeTo(TestFleets.file("growth")));
        Api.put(
                        "/api/v1/profiles/growing",
                        Roles.OPERATOR,
                        Map.of("minFreeRatio", 0.25, "desiredFreeRatio", 0.5, "growthHorizonDays", 1))
                .then()
                .statusCode(201);
        Api.put("/api/v1/vms/" + vm + "/profile", Roles.OPERATOR, Map.of("profile", "growing"))
                .then()
                .statusCode(200);
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            Api.post("/api/v1/disks/" + diskId + "/scan", Roles.OPERATOR, "")
                    .then()
                    .statusCode(202);
            worker.answerScan(SimulatedWorker.layout(
                    "MBR", 11 * GIB, 0, SimulatedWorker.ext4(1, MIB, 10 * GIB, 2 * GIB, GIB, MIB)));
        }
        await().atMost(WAIT)
                .until(() -> Api.read("/api/v1/disks/{id}/layout", diskId).statusCode() == 200);
        assertThat(projected(diskId))
                .as("no usage known: no growth; 2 GiB used kept half free is 4 GiB, 6 GiB saved")
                .isEqualTo(6 * GIB);

        // 48 hourly reports, the guest using 64 MiB more each hour: 1.5 GiB a day
        Instant first = Instant.now().minus(Duration.ofHours(47)).truncatedTo(ChronoUnit.HOURS);
        AtomicReference<Instant> at = new AtomicReference<>(first);
        Clock reportClock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return at.get();
            }
        };
        try (EventProducer gateway =
                EventProducer.connect(broker.bootstrapServers(), new Events("guest-gateway", reportClock))) {
            for (int hour = 0; hour < 48; hour++) {
                at.set(first.plus(Duration.ofHours(hour)).plusSeconds(300));
                long used = 2 * GIB + hour * 64 * MIB;
                gateway.publish(
                        Topic.GUEST_TELEMETRY,
                        vm,
                        UsageReported.newBuilder()
                                .setVmId(vm)
                                .addFilesystems(FilesystemUsage.newBuilder()
                                        .setMountPoint("/")
                                        .setDiskId("virtio-g-root")
                                        .setTotalBytes(10 * GIB)
                                        .setUtilizedBytes(used)
                                        .setFreeBytes(10 * GIB - used))
                                .build());
            }
        }
        await().atMost(WAIT)
                .alias("the 2 GiB the scan found used, and a day's 1.5 GiB, kept half free: 7 GiB, 3 GiB saved")
                .until(() -> projected(diskId) == 3 * GIB);
        JsonPath job = Api.post("/api/v1/resize-jobs", Roles.OPERATOR, Map.of("vmId", vm, "byProfile", true))
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        assertThat(job.getLong("targets[0].sizeBytes")).isEqualTo(7 * GIB);
        assertThat(job.getLong("projectedSavingsBytes")).isEqualTo(3 * GIB);
    }

    private static long projected(String diskId) {
        Number bytes =
                Api.get("/api/v1/reports/savings").get("disks.find { it.diskId == '" + diskId + "' }.projectedBytes");
        return bytes.longValue();
    }

    private long count(String from) throws SQLException {
        try (var connection = dataSource.getConnection();
                var statement = connection.createStatement();
                var rows = statement.executeQuery("SELECT count(*) FROM inventory." + from)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
