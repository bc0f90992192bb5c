package io.ballast.inventory.report;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.POOL_CAPACITY;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.inventory.SimulatedWorker;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Topic;
import io.ballast.proto.guest.v1.FilesystemUsage;
import io.ballast.proto.guest.v1.UsageReported;
import io.ballast.proto.worker.v1.DiskLayout;
import io.ballast.proto.worker.v1.ImageResult;
import io.ballast.proto.worker.v1.JobKind;
import io.ballast.proto.worker.v1.ResizeJob;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventProducer;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.PrometheusText;
import io.ballast.testsupport.TestFleets;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * The reports on a small fleet whose every figure is worked out by hand below: one pool of 100 GiB holding a web
 * VM's 10 GiB disk (4 GiB backed) and a db VM's 20 GiB disk (6 GiB backed). The web guest reports 9 GiB of root
 * filesystem with 3 GiB used, 5 GiB free and a 1 GiB ballast; its disk was scanned: a 10 GiB ext4 partition using 2
 * GiB, and a swap starting on a 512-byte boundary. Its profile keeps 2/3 free: 2 GiB used become a 6 GiB partition,
 * 4 GiB saved (the source document's "10 GB partition with 8 GB unused, keep 4 GB free → 6 GB, 4 GB saved"); a
 * finished resize brought its backed bytes from 4 to 2 GiB, and its next scan found the 6 GiB partition. The db VM
 * has the same profile, and its scan found that same 10 GiB partition using 2 GiB: 4 GiB to save, 0.40 at 0.10 a
 * GiB. The configured fleet's disks are not scanned.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class ReportsOverRestTest {

    private static final String POOL = "5e000000-0000-0000-0000-000000000001";
    private static final String WEB = "5b000000-0000-0000-0000-000000000001";
    private static final String DB = "5b000000-0000-0000-0000-000000000002";
    private static final long MIB = 1L << 20;

    @InjectKafkaBroker
    Broker broker;

    private static boolean built;

    private void fleet() {
        if (built) {
            return;
        }
        String uri = new HostFile()
                .pool("reports", POOL, "/ds/r", volume("web.img", 10, 4, "raw"), volume("db.img", 20, 6, "raw"))
                .domain("web", WEB, true, disk("vda", "/ds/r/web.img", "raw", "r-web"))
                .domain("db", DB, true, disk("vda", "/ds/r/db.img", "raw", "r-db"))
                .writeTo(TestFleets.file("reports"));
        Api.addHost(uri);
        Api.put("/api/v1/profiles/two-thirds", Roles.OPERATOR, Map.of("minFreeRatio", 0.5, "desiredFreeRatio", 2.0 / 3))
                .then()
                .statusCode(201);
        for (String vm : List.of(WEB, DB)) {
            Api.put("/api/v1/vms/" + vm + "/profile", Roles.OPERATOR, Map.of("profile", "two-thirds"))
                    .then()
                    .statusCode(200);
        }
        try (EventProducer gateway = EventProducer.connect(broker.bootstrapServers(), "guest-gateway")) {
            gateway.publish(
                    Topic.GUEST_TELEMETRY,
                    WEB,
                    UsageReported.newBuilder()
                            .setVmId(WEB)
                            .addFilesystems(FilesystemUsage.newBuilder()
                                    .setMountPoint("/")
                                    .setDiskId("virtio-r-web")
                                    .setTotalBytes(9 * GIB)
                                    .setUtilizedBytes(3 * GIB)
                                    .setFreeBytes(5 * GIB)
                                    .setBallastBytes(GIB))
                            .build());
        }
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            Api.post("/api/v1/resize-jobs", Roles.OPERATOR, Map.of("vmId", WEB, "byProfile", true))
                    .then()
                    .statusCode(202);
            worker.answerScan(webLayout(10 * GIB));
            ResizeJob resize = worker.nextResize();
            worker.start(resize.getJobId(), JobKind.JOB_KIND_RESIZE, resize.getDiskId(), resize.getHostId());
            worker.finish(
                    resize.getJobId(),
                    ImageResult.newBuilder()
                            .setImageBeforeBytes(10 * GIB + 512 * MIB)
                            .setImageAfterBytes(6 * GIB + 512 * MIB)
                            .setBackedBeforeBytes(4 * GIB)
                            .setBackedAfterBytes(2 * GIB)
                            .build());
            await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> Api.get("/api/v1/resize-jobs/{id}", resize.getJobId())
                            .getString("state")
                            .equals("FINISHED"));
            worker.answerScan(webLayout(6 * GIB));
            Api.post("/api/v1/disks/" + DB + "-vda/scan", Roles.OPERATOR, "")
                    .then()
                    .statusCode(202);
            worker.answerScan(SimulatedWorker.layout(
                    "GPT", 20 * GIB, 0, SimulatedWorker.ext4(1, MIB, 10 * GIB, 2 * GIB, GIB, MIB)));
        }
        await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> Api.read("/api/v1/disks/{id}/layout", DB + "-vda").statusCode() == 200
                        && Api.get("/api/v1/vms/{id}", WEB)
                                        .getList("filesystems")
                                        .size()
                                == 1
                        && Api.get("/api/v1/disks/{id}/layout", WEB + "-vda").getLong("diskBytes")
                                == 6 * GIB + 512 * MIB);
        built = true;
    }

    /** The web disk: an ext4 partition of {@code partitionBytes} using 2 GiB, and a swap on a 512-byte boundary. */
    private static DiskLayout webLayout(long partitionBytes) {
        return SimulatedWorker.layout(
                "MBR",
                partitionBytes + 512 * MIB,
                3,
                SimulatedWorker.ext4(1, MIB, partitionBytes, 2 * GIB, GIB, MIB),
                SimulatedWorker.swap(2, partitionBytes + MIB + 512, 500 * MIB, 512));
    }

    @Test
    void theVmReportJoinsGuestUsageWithHostAllocation() throws IOException {
        fleet();
        JsonPath report = Api.get("/api/v1/reports/vms?datastore={ds}", POOL);
        assertThat(report.getList("rows.diskId", String.class)).containsExactly(WEB + "-vda", DB + "-vda");
        Map<String, Object> web = report.getMap("rows[0]");
        assertThat(web).containsEntry("vmName", "web").containsEntry("profile", "two-thirds");
        assertThat(report.getLong("rows[0].designatedBytes")).isEqualTo(10 * GIB);
        assertThat(report.getLong("rows[0].totalBytes")).isEqualTo(9 * GIB);
        assertThat(report.getLong("rows[0].usedBytes")).isEqualTo(3 * GIB);
        assertThat(report.getLong("rows[0].freeBytes")).isEqualTo(5 * GIB);
        assertThat(report.getDouble("rows[0].freePercent")).as("5 of 9 GiB").isEqualTo(55.6);
        assertThat(report.getLong("rows[0].ballastBytes")).isEqualTo(GIB);
        assertThat(report.getString("rows[0].alignment")).isEqualTo("badly-misaligned");
        Map<String, Object> db = report.getMap("rows[1]");
        assertThat(db).containsEntry("profile", "two-thirds").containsEntry("alignment", "aligned");
        assertThat(db.get("usedBytes")).as("no agent reported").isNull();
        assertThat(report.getLong("rows[1].backedBytes")).isEqualTo(6 * GIB);

        // Filters on the VMs' columns choose the page with them, and the cursor walks on from the page's last disk.
        JsonPath byProfile = Api.get("/api/v1/reports/vms?profile=two-thirds&limit=1");
        assertThat(byProfile.getList("rows.diskId", String.class)).containsExactly(WEB + "-vda");
        JsonPath nextByProfile =
                Api.get("/api/v1/reports/vms?profile=two-thirds&limit=1&after={next}", byProfile.getString("next"));
        assertThat(nextByProfile.getList("rows.diskId", String.class)).containsExactly(DB + "-vda");
        JsonPath byHost = Api.get("/api/v1/reports/vms?host={host}", report.getString("rows[0].hostId"));
        assertThat(byHost.getList("rows.diskId", String.class)).contains(WEB + "-vda");
        assertThat(byHost.getList("rows.hostId", String.class)).containsOnly(report.getString("rows[0].hostId"));

        List<CSVRecord> csv = csv("/api/v1/reports/vms?datastore=" + POOL + "&format=csv");
        assertThat(csv).hasSize(2);
        assertThat(csv.getFirst().get("diskId")).isEqualTo(WEB + "-vda");
        assertThat(Long.parseLong(csv.getFirst().get("usedBytes"))).isEqualTo(3 * GIB);
        assertThat(csv.getFirst().get("freePercent")).isEqualTo("55.6");
        assertThat(csv.get(1).get("usedBytes")).as("unknown is empty").isEmpty();

        String page = given().auth()
                .oauth2(Tokens.token(Roles.VIEWER))
                .accept("text/csv")
                .get("/api/v1/reports/vms?datastore={ds}&limit=1", POOL)
                .then()
                .statusCode(200)
                .header("Link", org.hamcrest.Matchers.containsString("rel=\"next\""))
                .extract()
                .asString();
        assertThat(page.lines()).hasSize(2);
    }

    @Test
    void theDatastoreReportShowsProvisioningAgainstCapacity() throws IOException {
        fleet();
        JsonPath report = Api.get("/api/v1/reports/datastores");
        Map<String, Object> pool = report.getMap("rows.find { it.datastoreId == '" + POOL + "' }");
        assertThat(((Number) pool.get("capacityBytes")).longValue()).isEqualTo(POOL_CAPACITY);
        assertThat(((Number) pool.get("allocatedBytes")).longValue()).isEqualTo(10 * GIB);
        assertThat(((Number) pool.get("provisionedBytes")).longValue()).isEqualTo(30 * GIB);
        assertThat(((Number) pool.get("overSubscription")).doubleValue()).isEqualTo(0.3);
        assertThat(((Number) pool.get("freeBytes")).longValue()).isEqualTo(90 * GIB);
        assertThat(pool.get("disks")).isEqualTo(2);

        CSVRecord row = csv("/api/v1/reports/datastores?format=csv").stream()
                .filter(record -> record.get("datastoreId").equals(POOL))
                .findFirst()
                .orElseThrow();
        assertThat(Long.parseLong(row.get("provisionedBytes"))).isEqualTo(30 * GIB);
    }

    @Test
    void theSavingsReportShowsProjectedAndRealizedBytesAndTheirCost() throws IOException {
        fleet();
        JsonPath savings = Api.get("/api/v1/reports/savings");
        assertThat(savings.getDouble("pricePerGib")).isEqualTo(0.10);
        Map<String, Object> web = savings.getMap("disks.find { it.diskId == '" + WEB + "-vda' }");
        assertThat(((Number) web.get("projectedBytes")).longValue())
                .as("the 6 GiB partition, 2 GiB used, kept 2/3 free, is already right-sized")
                .isZero();
        assertThat(web.get("status")).isEqualTo("nothing-to-save");
        assertThat(((Number) web.get("realizedBytes")).longValue()).isEqualTo(2 * GIB);
        assertThat(((Number) web.get("realizedCost")).doubleValue()).isEqualTo(0.20);
        Map<String, Object> db = savings.getMap("disks.find { it.diskId == '" + DB + "-vda' }");
        assertThat(db.get("status")).isEqualTo("projected");
        assertThat(((Number) db.get("projectedBytes")).longValue())
                .as("10 GB with 8 GB unused, keeping 4 GB free: 6 GB, 4 GB saved")
                .isEqualTo(4 * GIB);
        assertThat(((Number) db.get("projectedCost")).doubleValue()).isEqualTo(0.40);
        Map<String, Object> unscanned = savings.getMap("disks.find { it.diskId == '" + ConfiguredFleet.WEB + "-vda' }");
        assertThat(unscanned.get("status")).isEqualTo("not-scanned");
        assertThat(unscanned.get("projectedBytes")).isNull();
        Map<String, Object> profile = savings.getMap("profiles.find { it.profile == 'two-thirds' }");
        assertThat(((Number) profile.get("projectedBytes")).longValue()).isEqualTo(4 * GIB);
        assertThat(((Number) profile.get("realizedBytes")).longValue()).isEqualTo(2 * GIB);
        assertThat(((Number) profile.get("realizedCost")).doubleValue()).isEqualTo(0.20);
        assertThat(profile.get("vms")).isEqualTo(2);

        JsonPath job = Api.get("/api/v1/resize-jobs?vm={vm}", WEB);
        JsonPath resize = Api.get("/api/v1/resize-jobs/{id}", job.getString("jobs.find { it.kind == 'RESIZE' }.id"));
        assertThat(resize.getLong("projectedSavingsBytes"))
                .as("projected when it was planned: 10 GiB to 6 GiB")
                .isEqualTo(4 * GIB);
        assertThat(resize.getLong("realizedSavingsBytes")).isEqualTo(2 * GIB);

        CSVRecord row = csv("/api/v1/reports/savings?format=csv").stream()
                .filter(record -> record.get("diskId").equals(WEB + "-vda"))
                .findFirst()
                .orElseThrow();
        assertThat(row.get("realizedCost")).isEqualTo("0.2");
        assertThat(csv("/api/v1/reports/savings/profiles?format=csv").stream().map(record -> record.get("profile")))
                .contains("two-thirds", "default");
    }

    @Test
    void theMetricsCountJobsByStateAndProjectSavingsByProfile() {
        fleet();
        await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
            PrometheusText metrics = PrometheusText.parse(io.restassured.RestAssured.get("/q/metrics")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
            assertThat(metrics.value("ballast_inventory_projected_savings_bytes", Map.of("profile", "two-thirds")))
                    .hasValue(4.0 * GIB);
            assertThat(metrics.value("ballast_inventory_jobs", Map.of("kind", "RESIZE", "state", "FINISHED"))
                            .orElseThrow())
                    .isGreaterThanOrEqualTo(1);
        });
    }

    @Test
    void theAlignmentReportGivesEachPartitionItsBoundaryAndStatus() throws IOException {
        fleet();
        List<CSVRecord> rows = csv("/api/v1/reports/alignment?format=csv").stream()
                .filter(record -> record.get("diskId").equals(WEB + "-vda"))
                .toList();
        assertThat(rows)
                .extracting(r -> r.get("partition"), r -> r.get("boundaryBytes"), r -> r.get("status"))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("1", Long.toString(MIB), "0"),
                        org.assertj.core.groups.Tuple.tuple("2", "512", "3"));
        Api.problem(Api.read("/api/v1/reports/alignment?format=xml"), 400, "invalid-input");
    }

    private static List<CSVRecord> csv(String path) throws IOException {
        String body = given().auth()
                .oauth2(Tokens.token(Roles.VIEWER))
                .get(path)
                .then()
                .statusCode(200)
                .contentType("text/csv")
                .extract()
                .asString();
        return CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(body))
                .getRecords();
    }
}
