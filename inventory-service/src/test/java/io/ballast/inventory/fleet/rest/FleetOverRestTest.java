package io.ballast.inventory.fleet.rest;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.POOL_CAPACITY;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.ImageFormat;
import io.ballast.proto.inventory.v1.VirtualDiskRemoved;
import io.ballast.proto.inventory.v1.VirtualDiskUpserted;
import io.ballast.proto.inventory.v1.VmMigrated;
import io.ballast.proto.inventory.v1.VmRemoved;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.PrometheusText;
import io.ballast.testsupport.TestFleets;
import io.ballast.testsupport.TokenResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Discovery of hosts of libvirt's test driver through the real library, recorded in PostgreSQL and announced on the
 * real broker, read back over REST.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class FleetOverRestTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    Broker broker;

    @Test
    void theConfiguredHostsAreRecordedWithTheirPoolsVmsAndDisksToTheByte() {
        Api.refresh();
        String host1 = hostOf(ConfiguredFleet.host1Uri());
        String host2 = hostOf(ConfiguredFleet.host2Uri());
        assertThat(host1).startsWith("vm-").isNotEqualTo(host2);

        JsonPath local = Api.get("/api/v1/datastores/{id}", ConfiguredFleet.LOCAL_POOL);
        assertThat(local.getString("name")).isEqualTo("local-1");
        assertThat(local.getList("hostIds")).containsExactly(host1);
        assertThat(local.getString("location")).isEqualTo("/ds/local-1");
        assertThat(local.getLong("capacityBytes")).isEqualTo(POOL_CAPACITY);
        assertThat(local.getLong("allocatedBytes")).isEqualTo(7 * GIB);
        assertThat(local.getLong("availableBytes")).isEqualTo(93 * GIB);
        assertThat(local.getLong("reserveBytes"))
                .as("5 % of the capacity by default")
                .isEqualTo(5 * GIB);
        assertThat(local.getLong("otherBytes")).as("the ISO is no disk's image").isEqualTo(GIB);

        JsonPath shared = Api.get("/api/v1/datastores/{id}", ConfiguredFleet.SHARED_POOL);
        assertThat(shared.getList("hostIds", String.class))
                .as("both hosts reach it")
                .containsExactlyInAnyOrder(host1, host2);
        assertThat(shared.getLong("allocatedBytes")).isEqualTo(12 * GIB);
        assertThat(shared.getLong("otherBytes")).isZero();

        JsonPath web = Api.get("/api/v1/vms/{id}", ConfiguredFleet.WEB);
        assertThat(web.getString("name")).isEqualTo("web");
        assertThat(web.getString("hostId")).isEqualTo(host1);
        assertThat(web.getString("powerState")).isEqualTo("RUNNING");
        assertThat(web.getString("profile")).isEmpty();
        assertThat(web.getString("disks[0].id")).isEqualTo(ConfiguredFleet.WEB + "-vda");
        assertThat(web.getString("disks[0].datastoreId")).isEqualTo(ConfiguredFleet.LOCAL_POOL);
        assertThat(web.getString("disks[0].imagePath")).isEqualTo("/ds/local-1/web.img");
        assertThat(web.getString("disks[0].format")).isEqualTo("RAW");
        assertThat(web.getLong("disks[0].designatedBytes")).isEqualTo(20 * GIB);
        assertThat(web.getLong("disks[0].backedBytes")).isEqualTo(6 * GIB);
        assertThat(web.getString("disks[0].serial")).isEqualTo("web-root");
        assertThat(web.getString("disks[0].targetDev")).isEqualTo("vda");

        JsonPath app = Api.get("/api/v1/vms/{id}", ConfiguredFleet.APP);
        assertThat(app.getString("hostId")).isEqualTo(host2);
        assertThat(app.getString("powerState")).isEqualTo("SHUT_OFF");
        assertThat(app.getString("disks[0].format")).isEqualTo("QCOW2");
        assertThat(app.getLong("disks[0].designatedBytes")).isEqualTo(10 * GIB);
        assertThat(app.getLong("disks[0].backedBytes")).isEqualTo(2 * GIB);

        JsonPath hosts = Api.get("/api/v1/hosts/{id}", host1);
        assertThat(hosts.getString("uri")).isEqualTo(ConfiguredFleet.host1Uri());
        assertThat(hosts.getString("managedBy")).isEqualTo("libvirt");
        assertThat(hosts.getString("discovery.addedBy")).isEqualTo("configuration");
        assertThat(hosts.getString("discovery.lastError")).isNull();
        assertThat(hosts.getString("discovery.lastSuccessAt")).isNotNull();
    }

    @Test
    void listsFilterAndPageInIdOrder() {
        Api.refresh();
        String host1 = hostOf(ConfiguredFleet.host1Uri());
        assertThat(ids(Api.get("/api/v1/vms?host={h}", host1), "vms"))
                .containsExactly(ConfiguredFleet.WEB, ConfiguredFleet.DB);
        assertThat(ids(Api.get("/api/v1/vms?datastore={d}", ConfiguredFleet.SHARED_POOL), "vms"))
                .containsExactly(ConfiguredFleet.DB, ConfiguredFleet.APP);
        assertThat(ids(Api.get("/api/v1/vms?datastore={d}&powerState=SHUT_OFF", ConfiguredFleet.SHARED_POOL), "vms"))
                .containsExactly(ConfiguredFleet.APP);
        assertThat(ids(Api.get("/api/v1/disks?datastore={d}", ConfiguredFleet.SHARED_POOL), "disks"))
                .containsExactly(ConfiguredFleet.DB + "-vda", ConfiguredFleet.APP + "-vda");
        assertThat(ids(Api.get("/api/v1/datastores?host={h}", hostOf(ConfiguredFleet.host2Uri())), "datastores"))
                .containsExactly(ConfiguredFleet.SHARED_POOL);

        JsonPath first = Api.get("/api/v1/vms?datastore={d}&limit=1", ConfiguredFleet.SHARED_POOL);
        assertThat(ids(first, "vms")).containsExactly(ConfiguredFleet.DB);
        assertThat(first.getString("next")).isEqualTo(ConfiguredFleet.DB);
        JsonPath second = Api.get(
                "/api/v1/vms?datastore={d}&limit=1&after={a}", ConfiguredFleet.SHARED_POOL, first.getString("next"));
        assertThat(ids(second, "vms")).containsExactly(ConfiguredFleet.APP);
        assertThat(second.getString("next")).isNull();
    }

    @Test
    void unknownIdsAndBadParametersAreProblems() {
        Api.problem(Api.read("/api/v1/vms/no-such-vm"), 404, "not-found");
        Api.problem(Api.read("/api/v1/hosts/no-such-host"), 404, "not-found");
        Api.problem(Api.read("/api/v1/datastores/no-such-datastore"), 404, "not-found");
        Api.problem(Api.read("/api/v1/disks/no-such-disk"), 404, "not-found");
        Api.problem(Api.read("/api/v1/vms?limit=0"), 400, "invalid-input");
        Api.problem(Api.read("/api/v1/vms?powerState=ASLEEP"), 400, "invalid-input");
        Api.problem(
                Api.post("/api/v1/discovery/refresh?uri=test:///nowhere.xml", Roles.OPERATOR, ""), 404, "not-found");
        Api.problem(Api.post("/api/v1/hosts", Roles.VIEWER, Map.of("uri", "test:///default")), 403, "");
    }

    @Test
    void aHostThatCannotBeReachedIsNotAddedAndNothingChanges() {
        String uri = HostFile.uri(TestFleets.file("never-written"));
        var refused = Api.post("/api/v1/hosts", Roles.OPERATOR, Map.of("uri", uri));
        Api.problem(refused, 409, "failed-precondition");
        assertThat(refused.jsonPath().getString("detail"))
                .as("libvirt's own reason")
                .contains("could not connect on " + uri, "failed to parse xml document");
        assertThat(Api.get("/api/v1/discovery").getList("connections.uri", String.class))
                .doesNotContain(uri);
        Api.problem(Api.post("/api/v1/hosts", Roles.OPERATOR, Map.of("uri", "not a uri")), 400, "invalid-input");
    }

    @Test
    void aDomainThatDisappearsIsMarkedGoneAnnouncedAndComesBackWhenItShowsAgain() {
        var path = TestFleets.file("gone-and-back");
        HostFile withBoth = hostWithA()
                .domain("b", "9b000000-0000-0000-0000-000000000002", true, disk("vda", "/ds/g/b.img", "raw", "b-1"));
        String uri = withBoth.writeTo(path);
        JsonPath added = Api.post("/api/v1/hosts", Roles.OPERATOR, Map.of("uri", uri))
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        assertThat(added.getString("discovery.addedBy")).isEqualTo("api");
        String vmB = "9b000000-0000-0000-0000-000000000002";

        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            hostWithA().writeTo(path);
            Api.refresh();
            assertThat(Api.get("/api/v1/vms/{id}", vmB).getString("goneAt"))
                    .as("a running VM one look misses may be migrating: not gone yet")
                    .isNull();
            await().atMost(WAIT)
                    .alias("gone once still missing a discovery period later")
                    .until(() -> Api.get("/api/v1/vms/{id}", vmB).getString("goneAt") != null);

            JsonPath gone = Api.get("/api/v1/vms/{id}", vmB);
            assertThat(gone.getString("goneAt")).isNotNull();
            assertThat(gone.getString("disks[0].goneAt")).isNotNull();
            assertThat(ids(Api.get("/api/v1/vms?host={h}", added.getString("id")), "vms"))
                    .as("gone VMs are left out of lists")
                    .containsExactly("9b000000-0000-0000-0000-000000000001");
            assertThat(ids(Api.get("/api/v1/vms?host={h}&gone=true", added.getString("id")), "vms"))
                    .containsExactly("9b000000-0000-0000-0000-000000000001", vmB);
            List<Decoded.Event> removed = inventory.readUntil(
                    event -> event.payloadAs(VmRemoved.class).isPresent()
                            && event.envelope().getSubjectId().equals(vmB),
                    WAIT);
            assertThat(removed)
                    .filteredOn(
                            event -> event.payloadAs(VirtualDiskRemoved.class).isPresent())
                    .extracting(event -> event.envelope().getSubjectId())
                    .containsExactly(vmB + "-vda");
            assertThat(removed.getLast().envelope().getSubjectId()).isEqualTo(vmB);

            withBoth.writeTo(path);
            Api.refresh();
            assertThat(Api.get("/api/v1/vms/{id}", vmB).getString("goneAt")).isNull();
            Decoded.Event back = inventory.readNext(
                    event -> event.payloadAs(VirtualDiskUpserted.class).isPresent()
                            && event.envelope().getSubjectId().equals(vmB + "-vda"),
                    WAIT);
            VirtualDiskUpserted disk = back.payloadAs(VirtualDiskUpserted.class).orElseThrow();
            assertThat(disk.getDisk().getDiskId()).isEqualTo(vmB + "-vda");
            assertThat(disk.getDisk().getDatastoreId()).isEqualTo("9a000000-0000-0000-0000-000000000001");
            assertThat(disk.getDisk().getFormat()).isEqualTo(ImageFormat.IMAGE_FORMAT_RAW);
            assertThat(disk.getDisk().getDesignatedBytes()).isEqualTo(8 * GIB);
            assertThat(disk.getDisk().getBackedBytes()).isEqualTo(2 * GIB);
            assertThat(disk.getDisk().getSerial()).isEqualTo("b-1");
        }
    }

    /** The host of the gone-and-back test with its first VM; the second VM comes and goes. */
    private static HostFile hostWithA() {
        return new HostFile()
                .pool(
                        "pool-g",
                        "9a000000-0000-0000-0000-000000000001",
                        "/ds/g",
                        volume("a.img", 8, 1, "raw"),
                        volume("b.img", 8, 2, "raw"))
                .domain("a", "9b000000-0000-0000-0000-000000000001", true, disk("vda", "/ds/g/a.img", "raw", "a-1"));
    }

    @Test
    void aVmSeenRunningOnAnotherHostMovesThereAndTheMigrationIsAnnounced() {
        String pool = "7a000000-0000-0000-0000-000000000001";
        String vm = "7b000000-0000-0000-0000-000000000001";
        var sourcePath = TestFleets.file("migration-source");
        var targetPath = TestFleets.file("migration-target");
        String source = new HostFile()
                .pool("san", pool, "/ds/san", volume("m.img", 16, 4, "raw"))
                .domain("m", vm, true, disk("vda", "/ds/san/m.img", "raw", "m-1"))
                .writeTo(sourcePath);
        String target = new HostFile()
                .pool("san", pool, "/ds/san", volume("m.img", 16, 4, "raw"))
                .writeTo(targetPath);
        String sourceHost = Api.addHost(source);
        String targetHost = Api.addHost(target);
        assertThat(Api.get("/api/v1/datastores/{id}", pool).getList("hostIds", String.class))
                .containsExactlyInAnyOrder(sourceHost, targetHost);

        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            // migrating: the target runs it while the source still has it defined, shut off
            new HostFile()
                    .pool("san", pool, "/ds/san", volume("m.img", 16, 4, "raw"))
                    .domain("m", vm, true, disk("vda", "/ds/san/m.img", "raw", "m-1"))
                    .writeTo(targetPath);
            new HostFile()
                    .pool("san", pool, "/ds/san", volume("m.img", 16, 4, "raw"))
                    .domain("m", vm, false, disk("vda", "/ds/san/m.img", "raw", "m-1"))
                    .writeTo(sourcePath);
            Api.refresh();

            JsonPath moved = Api.get("/api/v1/vms/{id}", vm);
            assertThat(moved.getString("hostId")).isEqualTo(targetHost);
            assertThat(moved.getString("powerState")).isEqualTo("RUNNING");
            assertThat(moved.getString("goneAt")).isNull();
            Decoded.Event migrated = inventory.readNext(
                    event -> event.payloadAs(VmMigrated.class).isPresent(), WAIT);
            VmMigrated announced = migrated.payloadAs(VmMigrated.class).orElseThrow();
            assertThat(announced.getVmId()).isEqualTo(vm);
            assertThat(announced.getFromHostId()).isEqualTo(sourceHost);
            assertThat(announced.getToHostId()).isEqualTo(targetHost);
            assertThat(announced.getDisksList())
                    .as("the disk stayed on the shared datastore")
                    .isEmpty();
        }
        try (EventTap later = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            Api.refresh();
            assertThat(Api.get("/api/v1/vms/{id}", vm).getString("hostId"))
                    .as("the definition left on the source does not take it back")
                    .isEqualTo(targetHost);
            assertThat(later.readFor(Duration.ofSeconds(1)))
                    .as("nothing changed for the VM")
                    .noneMatch(event -> event.envelope().getSubjectId().equals(vm));
        }

        // shut off on the target too: defined, shut off, on both hosts; it stays where it was last running
        new HostFile()
                .pool("san", pool, "/ds/san", volume("m.img", 16, 4, "raw"))
                .domain("m", vm, false, disk("vda", "/ds/san/m.img", "raw", "m-1"))
                .writeTo(targetPath);
        Api.refresh();
        try (EventTap later = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            Api.refresh();
            Api.refresh();
            assertThat(Api.get("/api/v1/vms/{id}", vm).getString("hostId")).isEqualTo(targetHost);
            assertThat(later.readFor(Duration.ofSeconds(1)))
                    .as("no flapping between the hosts")
                    .noneMatch(event -> event.envelope().getSubjectId().equals(vm));
        }
    }

    @Test
    void aMigrationWhoseSourceIsLookedAtFirstIsAMigrationNotARemoval() {
        String pool = "7a000000-0000-0000-0000-000000000002";
        String vm = "7b000000-0000-0000-0000-000000000002";
        var sourcePath = TestFleets.file("migration-first-source");
        var targetPath = TestFleets.file("migration-first-target");
        HostFile running = new HostFile()
                .pool("san2", pool, "/ds/san2", volume("n.img", 16, 4, "raw"))
                .domain("n", vm, true, disk("vda", "/ds/san2/n.img", "raw", "n-1"));
        HostFile empty = new HostFile().pool("san2", pool, "/ds/san2", volume("n.img", 16, 4, "raw"));
        String sourceHost = Api.addHost(running.writeTo(sourcePath));
        empty.writeTo(targetPath);
        Api.addHost(HostFile.uri(targetPath));

        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            // migrated with its definition moved; one pass looks at the source first, which no longer shows it
            empty.writeTo(sourcePath);
            running.writeTo(targetPath);
            Api.refresh();

            assertThat(Api.get("/api/v1/vms/{id}", vm).getString("goneAt")).isNull();
            VmMigrated announced = inventory
                    .readNext(
                            event -> event.payloadAs(VmMigrated.class).isPresent()
                                    && event.envelope().getSubjectId().equals(vm),
                            WAIT)
                    .payloadAs(VmMigrated.class)
                    .orElseThrow();
            assertThat(announced.getFromHostId()).isEqualTo(sourceHost);
            assertThat(inventory.readFor(Duration.ofSeconds(1)))
                    .as("its disk was never announced removed")
                    .noneMatch(
                            event -> event.payloadAs(VirtualDiskRemoved.class).isPresent()
                                    || event.payloadAs(VmRemoved.class).isPresent());
        }
    }

    @Test
    void anOperatorsReserveIsRecordedAndAnnouncedAndAnImpossibleOneChangesNothing() {
        String pool = "6a000000-0000-0000-0000-000000000001";
        Api.addHost(new HostFile().pool("reserve", pool, "/ds/reserve").writeTo(TestFleets.file("reserve")));
        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            JsonPath set = Api.put(
                            "/api/v1/datastores/{id}/reserve".replace("{id}", pool),
                            Roles.OPERATOR,
                            Map.of("reserveBytes", 12 * GIB))
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(set.getLong("reserveBytes")).isEqualTo(12 * GIB);
            DatastoreUpserted announced = inventory
                    .readNext(
                            event -> event.payloadAs(DatastoreUpserted.class)
                                    .filter(d ->
                                            d.getDatastore().getDatastoreId().equals(pool))
                                    .isPresent(),
                            WAIT)
                    .payloadAs(DatastoreUpserted.class)
                    .orElseThrow();
            assertThat(announced.getDatastore().getReserveBytes()).isEqualTo(12 * GIB);
            assertThat(announced.getDatastore().getCapacityBytes()).isEqualTo(POOL_CAPACITY);
        }
        Api.problem(
                Api.put(
                        "/api/v1/datastores/" + pool + "/reserve",
                        Roles.OPERATOR,
                        Map.of("reserveBytes", POOL_CAPACITY + 1)),
                400,
                "invalid-input");
        Api.problem(
                Api.put("/api/v1/datastores/" + pool + "/reserve", Roles.OPERATOR, Map.of("reserveBytes", -1)),
                400,
                "invalid-input");
        assertThat(Api.get("/api/v1/datastores/{id}", pool).getLong("reserveBytes"))
                .isEqualTo(12 * GIB);
        Api.get("/api/v1/datastores/{id}", pool); // still readable
    }

    @Test
    void hostsAreLookedAtAgainOnTheirOwn() {
        var path = TestFleets.file("periodic");
        String pool = "8a000000-0000-0000-0000-000000000001";
        Api.addHost(new HostFile().pool("periodic", pool, "/ds/p").writeTo(path));
        new HostFile()
                .pool("periodic", pool, "/ds/p", volume("new.img", 4, 3, "raw"))
                .writeTo(path);
        await().atMost(WAIT)
                .until(() -> Api.get("/api/v1/datastores/{id}", pool).getLong("allocatedBytes") == 3 * GIB);
    }

    @Test
    void theMetricsCountWhatInventoryKnowsAndHowLooksWent() {
        Api.refresh();
        PrometheusText metrics = PrometheusText.parse(io.restassured.RestAssured.get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        assertThat(metrics.value("ballast_inventory_hosts", Map.of()))
                .hasValue(Api.get("/api/v1/hosts?limit=1000").getList("hosts").size());
        assertThat(metrics.value("ballast_inventory_vms", Map.of()))
                .hasValue(Api.get("/api/v1/vms?limit=1000").getList("vms").size());
        assertThat(metrics.value("ballast_inventory_disks", Map.of()))
                .hasValue(Api.get("/api/v1/disks?limit=1000").getList("disks").size());
        assertThat(metrics.value("ballast_inventory_discovery_seconds_count", Map.of())
                        .orElseThrow())
                .isPositive();
        assertThat(metrics.value("ballast_inventory_discovery_errors_total", Map.of()))
                .isPresent();
    }

    private static String hostOf(String uri) {
        return Api.get("/api/v1/discovery").getList("connections", Map.class).stream()
                .filter(connection -> uri.equals(connection.get("uri")))
                .map(connection -> (String) connection.get("hostId"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no connection for " + uri));
    }

    private static List<String> ids(JsonPath page, String list) {
        return page.getList(list + ".id", String.class);
    }
}
