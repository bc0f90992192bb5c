package io.ballast.reservation.budget.rest;

import static io.ballast.reservation.budget.rest.GrowthOverRestTest.datastore;
import static io.ballast.reservation.budget.rest.GrowthOverRestTest.disk;
import static io.ballast.reservation.budget.rest.GrowthOverRestTest.disks;
import static io.ballast.reservation.budget.rest.ServiceFleet.GIB;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.agroal.api.AgroalDataSource;
import io.ballast.proto.alerts.v1.BudgetAlert;
import io.ballast.proto.alerts.v1.BudgetAlertKind;
import io.ballast.support.rest.Problem;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.PrometheusText;
import io.ballast.testsupport.TokenResource;
import io.ballast.testsupport.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Migrations, refusals, authentication and trust through the REST interface and the real broker and database. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
class RequestsOverRestTest {

    @InjectKafkaBroker
    Broker broker;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aPreparedMigrationHoldsTheTargetUntilItCommitsAndTheSourceFreesThen() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-m-from", 50 * GIB);
            fleet.datastore("ds-m-to", 50 * GIB);
            fleet.vmWithDisk("vm-m", "disk-m", "ds-m-from", 20 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-m-from") == 1);
            fleet.report("vm-m", "disk-m", 5 * GIB);
            await().atMost(ServiceFleet.WAIT).until(() -> disk("disk-m").getBoolean("agentOnline"));

            JsonPath prepared = migration("mig-1", "disk-m", "ds-m-to", 600, 200);
            assertThat(prepared.getString("disks[0].state")).isEqualTo("PREPARED");
            assertThat(datastore("ds-m-to").getLong("holdBytes")).isEqualTo(20 * GIB);
            assertThat(migration("mig-1", "disk-m", "ds-m-to", 600, 200).getString("disks[0].state"))
                    .as("prepared again with the same id: the same migration")
                    .isEqualTo("PREPARED");

            JsonPath committed = post("/api/v1/migrations/mig-1/commit", Roles.ORCHESTRATOR, Map.of(), 200);
            assertThat(committed.getString("disks[0].state")).isEqualTo("COMMITTED");
            assertThat(post("/api/v1/migrations/mig-1/commit", Roles.ORCHESTRATOR, Map.of(), 200)
                            .getString("disks[0].state"))
                    .as("a commit is idempotent")
                    .isEqualTo("COMMITTED");
            assertThat(datastore("ds-m-to").getLong("holdBytes")).isZero();
            assertThat(datastore("ds-m-to").getInt("disks")).isEqualTo(1);
            assertThat(datastore("ds-m-from").getInt("disks")).isZero();
            assertThat(datastore("ds-m-from").getLong("worstCaseDemandBytes")).isZero();
            assertThat(disk("disk-m").getString("datastoreId")).isEqualTo("ds-m-to");
            problem(post("/api/v1/migrations/mig-1/abort", Roles.ORCHESTRATOR, Map.of()), 409, "failed-precondition");
        }
    }

    @Test
    void anAbortedOrExpiredMigrationReleasesItsHoldAndCannotCommit() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-a-from", 50 * GIB);
            fleet.datastore("ds-a-to", 50 * GIB);
            fleet.vmWithDisk("vm-ab", "disk-ab", "ds-a-from", 10 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-a-from") == 1);

            migration("mig-abort", "disk-ab", "ds-a-to", 600, 200);
            assertThat(datastore("ds-a-to").getLong("holdBytes")).isEqualTo(10 * GIB);
            assertThat(post("/api/v1/migrations/mig-abort/abort", Roles.ORCHESTRATOR, Map.of(), 200)
                            .getString("disks[0].state"))
                    .isEqualTo("ABORTED");
            assertThat(datastore("ds-a-to").getLong("holdBytes")).isZero();
            problem(
                    post("/api/v1/migrations/mig-abort/commit", Roles.ORCHESTRATOR, Map.of()),
                    409,
                    "failed-precondition");

            migration("mig-ttl", "disk-ab", "ds-a-to", 1, 200);
            await().atMost(ServiceFleet.WAIT).until(() -> datastore("ds-a-to").getLong("holdBytes") == 0);
            problem(
                    post("/api/v1/migrations/mig-ttl/commit", Roles.ORCHESTRATOR, Map.of()),
                    409,
                    "failed-precondition");
            assertThat(disk("disk-ab").getString("datastoreId")).isEqualTo("ds-a-from");

            problem(post("/api/v1/migrations/never-prepared/commit", Roles.ORCHESTRATOR, Map.of()), 404, "not-found");
            problem(
                    post(
                            "/api/v1/migrations",
                            Roles.ORCHESTRATOR,
                            Map.of(
                                    "disks",
                                    List.of(Map.of("diskId", "disk-ab", "toDatastoreId", "ds-a-to")),
                                    "ttlSeconds",
                                    0)),
                    400,
                    "invalid-input");
        }
    }

    @Test
    void aPlacementRanksTheDatastoresByTheRoomLeftAndNamesOnlyKnownProfiles() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-p-small", 30 * GIB);
            fleet.datastore("ds-p-big", 100 * GIB);
            await().atMost(ServiceFleet.WAIT).until(() -> exists("ds-p-small") && exists("ds-p-big"));
            Map<String, Object> template =
                    Map.of("designatedBytes", 40 * GIB, "expectedUtilizedBytes", 9 * GIB, "format", "raw");

            List<Map<String, Object>> options = post("/api/v1/placements", Roles.ORCHESTRATOR, template, 200)
                    .getList("options");
            List<Object> ours = options.stream()
                    .map(option -> option.get("datastoreId"))
                    .filter(id -> id.toString().startsWith("ds-p-"))
                    .toList();
            assertThat(ours).as("the most room left first").containsExactly("ds-p-big", "ds-p-small");
            JsonPath small =
                    post("/api/v1/placements", Roles.ORCHESTRATOR, with(template, "datastoreId", "ds-p-small"), 200);
            assertThat(small.getList("options")).hasSize(1);
            assertThat(small.getBoolean("options[0].fits")).isTrue();
            assertThat(small.getLong("options[0].effectiveBytes"))
                    .as("the default profile's desired free ratio, 0.2, on 9 GiB used")
                    .isBetween(9 * GIB * 5 / 4, 9 * GIB * 5 / 4 + (1 << 20));
            assertThat(small.getLong("options[0].ballastBytes"))
                    .isEqualTo(40 * GIB - small.getLong("options[0].effectiveBytes"));

            problem(
                    post("/api/v1/placements", Roles.ORCHESTRATOR, with(template, "profile", "half")),
                    400,
                    "invalid-input");
            fleet.profile("half", 0.5, 0.5, 10);
            await().atMost(ServiceFleet.WAIT)
                    .until(() -> post("/api/v1/placements", Roles.ORCHESTRATOR, with(template, "profile", "half"))
                                    .statusCode()
                            == 200);
            JsonPath half = post(
                    "/api/v1/placements",
                    Roles.ORCHESTRATOR,
                    with(with(template, "profile", "half"), "datastoreId", "ds-p-small"),
                    200);
            assertThat(half.getLong("options[0].effectiveBytes")).isEqualTo(18 * GIB);
            assertThat(post("/api/v1/placements", Roles.ORCHESTRATOR, with(template, "profile", "default"))
                            .statusCode())
                    .as("the default profile is always known")
                    .isEqualTo(200);

            JsonPath tooBig = post(
                    "/api/v1/placements",
                    Roles.ORCHESTRATOR,
                    with(with(template, "expectedUtilizedBytes", 29 * GIB), "datastoreId", "ds-p-small"),
                    200);
            assertThat(tooBig.getBoolean("options[0].fits"))
                    .as("29 GiB used needs more than the 30 GiB datastore's room")
                    .isFalse();
            problem(
                    post("/api/v1/placements", Roles.ORCHESTRATOR, with(template, "datastoreId", "ds-p-none")),
                    404,
                    "not-found");
            problem(
                    post("/api/v1/placements", Roles.ORCHESTRATOR, with(template, "expectedUtilizedBytes", 41 * GIB)),
                    400,
                    "invalid-input");
            problem(post("/api/v1/placements", Roles.VIEWER, template), 403, "forbidden");
        }
    }

    @Test
    void aDiskDescribedBeforeItsDatastoreWaitsForItAndIsAddedThen() throws Exception {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.vmWithDisk("vm-w", "disk-w", "ds-w-late", 20 * GIB, "");
            fleet.vmWithDisk("vm-w2", "disk-w2", "ds-w-never", 20 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> waiting("disk-w") && waiting("disk-w2"));
            assertThat(given().auth()
                            .oauth2(Tokens.token(Roles.VIEWER))
                            .get("/api/v1/disks/disk-w")
                            .statusCode())
                    .isEqualTo(404);

            fleet.datastore("ds-w-late", 50 * GIB);
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-w-late") == 1);
            assertThat(disk("disk-w").getString("datastoreId")).isEqualTo("ds-w-late");
            assertThat(waiting("disk-w")).isFalse();

            fleet.diskRemoved("disk-w2");
            await().atMost(ServiceFleet.WAIT).until(() -> !waiting("disk-w2"));

            // a disk that began to wait while its datastore was being added: the next tick adds it
            try (var connection = dataSource.getConnection();
                    var insert = connection.prepareStatement("INSERT INTO reservation.disk_waiting"
                            + " (disk_id, datastore_id, facts) VALUES ('disk-w3', 'ds-w-late', ?::jsonb)")) {
                insert.setString(
                        1,
                        "{\"diskId\":\"disk-w3\",\"vmId\":\"vm-w3\",\"designatedBytes\":" + 10 * GIB
                                + ",\"overheadBytes\":0,\"imagePath\":\"/datastores/ds-w-late/disk-w3.img\","
                                + "\"serial\":\"ser-disk-w3\",\"punchable\":true}");
                insert.executeUpdate();
            }
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-w-late") == 2);
            assertThat(waiting("disk-w3")).isFalse();
        }
    }

    @Test
    void aDiskWhoseImageIsInNoDatastoreLeavesTheOneItWasOnAndWaitsForNone() throws Exception {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-n", 50 * GIB);
            fleet.vmWithDisk("vm-n", "disk-n", "ds-n", 20 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-n") == 1);

            // inventory: the disk is now a device outside every pool
            fleet.vmWithDisk("vm-n", "disk-n", "", 20 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-n") == 0);
            assertThat(waiting("disk-n")).isFalse();
            assertThat(datastore("ds-n").getLong("worstCaseDemandBytes")).isZero();
        }
    }

    private boolean waiting(String disk) throws java.sql.SQLException {
        try (var connection = dataSource.getConnection();
                var select = connection.prepareStatement("SELECT 1 FROM reservation.disk_waiting WHERE disk_id = ?")) {
            select.setString(1, disk);
            try (var row = select.executeQuery()) {
                return row.next();
            }
        }
    }

    private static Map<String, Object> with(Map<String, Object> body, String key, Object value) {
        Map<String, Object> changed = new java.util.HashMap<>(body);
        changed.put(key, value);
        return changed;
    }

    private static boolean exists(String datastore) {
        return given().auth()
                        .oauth2(Tokens.token(Roles.VIEWER))
                        .get("/api/v1/datastores/{id}", datastore)
                        .statusCode()
                == 200;
    }

    @Test
    void badRequestsAreRefusedWithProblemDetailsAndChangeNothing() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-bad", 100 * GIB);
            fleet.vmWithDisk("vm-bad", "disk-bad", "ds-bad", 40 * GIB, "");
            fleet.vmWithDisk("vm-silent", "disk-silent", "ds-bad", 40 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-bad") == 2);
            fleet.report("vm-bad", "disk-bad", 5 * GIB);
            await().atMost(ServiceFleet.WAIT)
                    .until(() -> disk("disk-bad").getString("state").equals("INFLATING"));
            String ledgerBefore = ledger("ds-bad");
            String diskBefore = disk("disk-bad").prettify();

            problem(growth("no-such-disk", 1 * GIB, Roles.ORCHESTRATOR), 404, "not-found");
            problem(growth("disk-bad", -5, Roles.ORCHESTRATOR), 400, "invalid-input");
            problem(growth("disk-bad", Long.MAX_VALUE, Roles.ORCHESTRATOR), 400, "invalid-input");
            problem(growth("disk-bad", 41 * GIB, Roles.ORCHESTRATOR), 400, "invalid-input");
            // A disk whose agent never reported holds no ballast: any growth takes it past its designated size.
            problem(growth("disk-silent", 1 * GIB, Roles.ORCHESTRATOR), 400, "invalid-input");
            problem(growth("disk-bad", 1 * GIB, Roles.VIEWER), 403, "forbidden");
            // an operator may ask for growth as an orchestrator does (a person answering an alert)
            problem(growth("no-such-disk", 1 * GIB, Roles.OPERATOR), 404, "not-found");
            given().contentType(ContentType.JSON)
                    .body(Map.of("additionalBytes", GIB))
                    .post("/api/v1/disks/disk-bad/growth")
                    .then()
                    .statusCode(401)
                    .contentType(Problem.MEDIA_TYPE);
            given().header("Authorization", Tokens.expiredBearer(Roles.ORCHESTRATOR))
                    .contentType(ContentType.JSON)
                    .body(Map.of("additionalBytes", GIB))
                    .post("/api/v1/disks/disk-bad/growth")
                    .then()
                    .statusCode(401);
            problem(
                    given().auth()
                            .oauth2(Tokens.token(Roles.OPERATOR))
                            .contentType(ContentType.JSON)
                            .body(Map.of("ballastBytes", 100 * GIB))
                            .put("/api/v1/disks/disk-bad/ballast"),
                    400,
                    "invalid-input");
            problem(
                    given().auth()
                            .oauth2(Tokens.token(Roles.OPERATOR))
                            .contentType(ContentType.JSON)
                            .body(Map.of("mode", "relaxed", "reserveBytes", 0))
                            .put("/api/v1/datastores/ds-bad/policy"),
                    400,
                    "invalid-input");
            problem(
                    given().auth().oauth2(Tokens.token(Roles.VIEWER)).get("/api/v1/datastores/no-such-datastore"),
                    404,
                    "not-found");
            problem(
                    given().auth().oauth2(Tokens.token(Roles.VIEWER)).get("/api/v1/ledger?limit=0"),
                    400,
                    "invalid-input");
            problem(
                    post(
                            "/api/v1/migrations",
                            Roles.ORCHESTRATOR,
                            Map.of(
                                    "disks",
                                    List.of(Map.of("diskId", "disk-bad", "toDatastoreId", "no-such-datastore")),
                                    "ttlSeconds",
                                    60)),
                    404,
                    "not-found");

            assertThat(ledger("ds-bad"))
                    .as("no ledger line for a refused request")
                    .isEqualTo(ledgerBefore);
            assertThat(disk("disk-bad").prettify()).isEqualTo(diskBefore);
        }
    }

    @Test
    void anAgentReportingAnotherVmsDiskDecidesNothingAndIsCountedAndAlerted() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-trust", 100 * GIB);
            fleet.vmWithDisk("vm-honest", "disk-honest", "ds-trust", 40 * GIB, "");
            fleet.vmWithDisk("vm-victim", "disk-victim", "ds-trust", 40 * GIB, "");
            await().atMost(ServiceFleet.WAIT).until(() -> disks("ds-trust") == 2);
            double before = unattributed("other-vm");

            // The agent of vm-honest names vm-victim's disk, once by its serial and once by its by-id name.
            fleet.reportAs("vm-honest", "disk-victim", ServiceFleet.serial("disk-victim"), 1 * GIB);
            fleet.reportAs("vm-honest", "disk-victim", ServiceFleet.guestName("disk-victim"), 1 * GIB);
            fleet.acknowledgeAs("vm-honest", "disk-victim", 30 * GIB);

            BudgetAlert alert =
                    fleet.nextAlert(a -> a.getKind() == BudgetAlertKind.BUDGET_ALERT_KIND_UNATTRIBUTED_REPORT);
            assertThat(alert.getDiskId()).isEqualTo("disk-victim");
            assertThat(alert.getDatastoreId()).isEqualTo("ds-trust");
            await().atMost(ServiceFleet.WAIT).until(() -> unattributed("other-vm") >= before + 3);
            JsonPath victim = disk("disk-victim");
            assertThat(victim.getBoolean("agentOnline")).isFalse();
            assertThat(victim.getLong("utilizedBytes")).isZero();
            assertThat(victim.getList("ballasts")).isEmpty();
            fleet.assertNoJob("disk-victim", Duration.ofSeconds(2));
        }
    }

    @Test
    void theMetricsShowEachDatastoresInvariantAndNoViolation() {
        try (ServiceFleet fleet = new ServiceFleet(broker.bootstrapServers())) {
            fleet.datastore("ds-metrics", 64 * GIB);
            fleet.vmWithDisk("vm-metrics", "disk-metrics", "ds-metrics", 32 * GIB, "");
            fleet.report("vm-metrics", "disk-metrics", 4 * GIB);
            await().atMost(ServiceFleet.WAIT).untilAsserted(() -> {
                PrometheusText metrics = PrometheusText.parse(given().get("/q/metrics")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString());
                Map<String, String> ds = Map.of("datastore", "ds-metrics");
                assertThat(metrics.value("ballast_datastore_capacity_bytes", ds))
                        .hasValue(64.0 * GIB);
                assertThat(metrics.value("ballast_datastore_worst_case_demand_bytes", ds))
                        .hasValue(32.0 * GIB);
                assertThat(metrics.value("ballast_datastore_headroom_bytes", ds))
                        .hasValue(32.0 * GIB);
                assertThat(metrics.value("ballast_datastore_reserve_bytes", ds)).isPresent();
                assertThat(metrics.value("ballast_datastore_holds_bytes", ds)).isPresent();
                assertThat(metrics.value("ballast_datastore_ballast_bytes", ds)).isPresent();
                assertThat(metrics.value("ballast_datastore_time_to_full_seconds", ds))
                        .isPresent();
                assertThat(metrics.valueOrZero("ballast_invariant_violations_total", Map.of()))
                        .isZero();
                assertThat(metrics.valueOrZero("ballast_reservation_tick_seconds_count", Map.of()))
                        .as("the passes over every datastore are timed")
                        .isPositive();
                assertThat(metrics.value("ballast_reservation_ticks_skipped_total", Map.of()))
                        .isPresent();
            });
        }
    }

    private static double unattributed(String reason) {
        return PrometheusText.parse(given().get("/q/metrics")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .valueOrZero("ballast_reports_unattributed_total", Map.of("reason", reason));
    }

    private static JsonPath migration(String id, String disk, String to, int ttlSeconds, int status) {
        return post(
                "/api/v1/migrations",
                Roles.ORCHESTRATOR,
                Map.of(
                        "migrationId",
                        id,
                        "disks",
                        List.of(Map.of("diskId", disk, "toDatastoreId", to)),
                        "ttlSeconds",
                        ttlSeconds),
                status);
    }

    private static JsonPath post(String path, String role, Object body, int status) {
        return post(path, role, body).then().statusCode(status).extract().jsonPath();
    }

    private static Response post(String path, String role, Object body) {
        return given().auth()
                .oauth2(Tokens.token(role))
                .contentType(ContentType.JSON)
                .body(body)
                .post(path);
    }

    private static Response growth(String disk, long bytes, String role) {
        return post("/api/v1/disks/" + disk + "/growth", role, Map.of("additionalBytes", bytes));
    }

    private static void problem(Response response, int status, String type) {
        response.then()
                .statusCode(status)
                .contentType(Problem.MEDIA_TYPE)
                .body("status", equalTo(status))
                .body("type", startsWith(type.equals("forbidden") ? "" : Problem.TYPE_PREFIX + type));
    }

    private static String ledger(String datastore) {
        return given().auth()
                .oauth2(Tokens.token(Roles.VIEWER))
                .get("/api/v1/ledger?datastore={id}&limit=1000", datastore)
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }
}
