package io.ballast.inventory.fleet.rest;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.POOL_CAPACITY;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.DatastoreRemoved;
import io.ballast.proto.inventory.v1.DatastoreUpserted;
import io.ballast.proto.inventory.v1.HostUpserted;
import io.ballast.support.inventory.HostIds;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TestFleets;
import io.ballast.testsupport.TokenResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hosts and datastores of a fleet without libvirt, kept over REST: created and changed, announced on the real broker,
 * refused when wrong, and left alone by discovery of the libvirt hosts that reach them.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class KeptFleetOverRestTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String LIBVIRT_POOL = "e1a00000-0000-0000-0000-000000000001";
    /** A datastore kept over REST under the UUID a pool shows later. */
    private static final String KEPT_POOL_ID = "e1b00000-0000-0000-0000-000000000001";

    @InjectKafkaBroker
    Broker broker;

    private static Map<String, Object> datastore(
            String name, List<String> hostIds, long capacityBytes, long allocatedBytes, Long reserveBytes) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("hostIds", hostIds);
        body.put("capacityBytes", capacityBytes);
        body.put("allocatedBytes", allocatedBytes);
        if (reserveBytes != null) {
            body.put("reserveBytes", reserveBytes);
        }
        return body;
    }

    private static JsonPath answered(Response response, int status) {
        return response.then().statusCode(status).extract().jsonPath();
    }

    @Test
    void keptHostsAndDatastoresAreAnnouncedAndDiscoveryNeverChangesOrEndsThem() {
        var path = TestFleets.file("kept-neighbour");
        HostFile neighbour = new HostFile().pool("local-k", LIBVIRT_POOL, "/ds/k", volume("k.img", 8, 2, "raw"));
        String libvirtHost = Api.addHost(neighbour.writeTo(path));

        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            Response created = Api.put("/api/v1/hosts/esx-1", Roles.OPERATOR, Map.of("name", "esx-1.lab"));
            JsonPath host = answered(created, 201);
            assertThat(created.header("Location")).endsWith("/api/v1/hosts/esx-1");
            assertThat(host.getString("managedBy")).isEqualTo("api");
            assertThat(host.getString("uri")).isEmpty();
            assertThat(host.getString("discovery")).isNull();
            HostUpserted kept = announced(inventory, HostUpserted.class, "esx-1");
            assertThat(kept.getHost().getHostId()).isEqualTo("esx-1");
            assertThat(kept.getHost().getName()).isEqualTo("esx-1.lab");
            assertThat(kept.getHost().getHypervisorUri()).isEmpty();

            answered(Api.put("/api/v1/hosts/esx-1", Roles.OPERATOR, Map.of("name", "esx-1.lab")), 200);
            answered(Api.put("/api/v1/hosts/esx-1", Roles.OPERATOR, Map.of("name", "esx-1.lab.example")), 200);
            HostUpserted renamed = announced(inventory, HostUpserted.class, "esx-1");
            assertThat(renamed.getHost().getName())
                    .as("the same name again changed nothing and was not announced")
                    .isEqualTo("esx-1.lab.example");

            // 100 GiB with 40 allocated: 60 available, 5 % kept free, and all 40 held by no recorded disk image
            JsonPath nfs = answered(
                    Api.put(
                            "/api/v1/datastores/nfs-1",
                            Roles.OPERATOR,
                            datastore("nfs-1", List.of("esx-1", libvirtHost), 100 * GIB, 40 * GIB, null)),
                    201);
            assertThat(nfs.getString("managedBy")).isEqualTo("api");
            assertThat(nfs.getString("location"))
                    .as("its name when none is given")
                    .isEqualTo("nfs-1");
            assertThat(nfs.getList("hostIds", String.class)).containsExactlyInAnyOrder("esx-1", libvirtHost);
            assertThat(nfs.getLong("availableBytes")).isEqualTo(60 * GIB);
            assertThat(nfs.getLong("reserveBytes")).isEqualTo(5 * GIB);
            assertThat(nfs.getLong("otherBytes")).isEqualTo(40 * GIB);
            DatastoreUpserted first = announced(inventory, DatastoreUpserted.class, "nfs-1");
            assertThat(first.getDatastore().getHostIdsList()).containsExactlyInAnyOrder("esx-1", libvirtHost);
            assertThat(first.getDatastore().getCapacityBytes()).isEqualTo(100 * GIB);
            assertThat(first.getDatastore().getAllocatedBytes()).isEqualTo(40 * GIB);
            assertThat(first.getDatastore().getReserveBytes()).isEqualTo(5 * GIB);
            assertThat(first.getDatastore().getOtherBytes()).isEqualTo(40 * GIB);

            Map<String, Object> grown =
                    datastore("nfs-1", List.of("esx-1", libvirtHost), 200 * GIB, 50 * GIB, 10 * GIB);
            grown.put("location", "nfs://filer-1/export/vms");
            nfs = answered(Api.put("/api/v1/datastores/nfs-1", Roles.OPERATOR, grown), 200);
            assertThat(nfs.getString("location")).isEqualTo("nfs://filer-1/export/vms");
            assertThat(nfs.getLong("availableBytes")).isEqualTo(150 * GIB);
            assertThat(nfs.getLong("reserveBytes")).isEqualTo(10 * GIB);
            assertThat(announced(inventory, DatastoreUpserted.class, "nfs-1")
                            .getDatastore()
                            .getReserveBytes())
                    .isEqualTo(10 * GIB);
            nfs = answered(
                    Api.put(
                            "/api/v1/datastores/nfs-1",
                            Roles.OPERATOR,
                            datastore("nfs-1", List.of("esx-1", libvirtHost), 200 * GIB, 60 * GIB, null)),
                    200);
            assertThat(nfs.getLong("reserveBytes"))
                    .as("a reserve not given is kept")
                    .isEqualTo(10 * GIB);
            assertThat(nfs.getString("location"))
                    .as("replaced: no location is its name")
                    .isEqualTo("nfs-1");

            answered(
                    Api.put(
                            "/api/v1/datastores/" + KEPT_POOL_ID,
                            Roles.OPERATOR,
                            datastore("lun-7", List.of(libvirtHost), 50 * GIB, 0, 0L)),
                    201);

            announced(inventory, DatastoreUpserted.class, KEPT_POOL_ID);
            int beforeTheLook = inventory.readFor(Duration.ZERO).size();

            // the libvirt host now shows a pool of the kept datastore's id, and still reaches neither as a pool
            neighbour
                    .pool("lun-7-as-a-pool", KEPT_POOL_ID, "/ds/lun", volume("x.img", 8, 8, "raw"))
                    .writeTo(path);
            Api.refresh();
            JsonPath lun = Api.get("/api/v1/datastores/{id}", KEPT_POOL_ID);
            assertThat(lun.getString("name")).as("not overwritten by the pool").isEqualTo("lun-7");
            assertThat(lun.getLong("capacityBytes")).isEqualTo(50 * GIB);
            assertThat(lun.getString("managedBy")).isEqualTo("api");
            assertThat(lun.getString("goneAt")).isNull();
            assertThat(lun.getList("hostIds", String.class)).containsExactly(libvirtHost);
            nfs = Api.get("/api/v1/datastores/{id}", "nfs-1");
            assertThat(nfs.getString("goneAt"))
                    .as("never marked gone by a look")
                    .isNull();
            assertThat(nfs.getList("hostIds", String.class)).containsExactlyInAnyOrder("esx-1", libvirtHost);
            assertThat(Api.get("/api/v1/datastores?host={h}", libvirtHost).getList("datastores.id", String.class))
                    .containsExactly(LIBVIRT_POOL, KEPT_POOL_ID, "nfs-1");
            List<Decoded.Event> all = inventory.readFor(Duration.ofSeconds(2));
            List<Decoded.Event> looked = all.subList(beforeTheLook, all.size());
            assertThat(looked)
                    .as("a look announces nothing of what an operator keeps")
                    .noneMatch(event -> (event.payloadAs(DatastoreUpserted.class)
                                            .isPresent()
                                    || event.payloadAs(DatastoreRemoved.class).isPresent())
                            && List.of("nfs-1", KEPT_POOL_ID)
                                    .contains(event.envelope().getSubjectId()));
        }

        // what libvirt shows is libvirt's: not kept over REST, except a datastore's reserve
        Api.problem(
                Api.put("/api/v1/hosts/" + libvirtHost, Roles.OPERATOR, Map.of("name", "mine")),
                409,
                "failed-precondition");
        Api.problem(
                Api.put(
                        "/api/v1/datastores/" + LIBVIRT_POOL,
                        Roles.OPERATOR,
                        datastore("mine", List.of(libvirtHost), 100 * GIB, 0, null)),
                409,
                "failed-precondition");
        JsonPath pool = Api.get("/api/v1/datastores/{id}", LIBVIRT_POOL);
        assertThat(pool.getString("name")).isEqualTo("local-k");
        assertThat(pool.getLong("capacityBytes")).isEqualTo(POOL_CAPACITY);
        answered(
                Api.put("/api/v1/datastores/" + LIBVIRT_POOL + "/reserve", Roles.OPERATOR, Map.of("reserveBytes", GIB)),
                200);
        assertThat(Api.get("/api/v1/hosts/{id}", libvirtHost).getString("managedBy"))
                .isEqualTo("libvirt");
    }

    @Test
    void aUriShowingTheIdOfAKeptHostIsNotAddedAndTheKeptHostStays() {
        String looked = Api.refresh().getString("looks.find { it.outcome == 'RECORDED' }.hostId");
        String hostname = Api.get("/api/v1/hosts/{id}", looked).getString("name");
        String uri = HostFile.uri(TestFleets.file("kept-clash"));
        String id = HostIds.of(uri, hostname);
        answered(Api.put("/api/v1/hosts/" + id, Roles.OPERATOR, Map.of("name", "kept by hand")), 201);

        new HostFile()
                .pool("clash", "e1c00000-0000-0000-0000-000000000001", "/ds/clash")
                .writeTo(TestFleets.file("kept-clash"));
        Response refused = Api.post("/api/v1/hosts", Roles.OPERATOR, Map.of("uri", uri));
        Api.problem(refused, 409, "failed-precondition");
        assertThat(refused.jsonPath().getString("detail")).contains("host " + id + " is kept over REST");
        JsonPath host = Api.get("/api/v1/hosts/{id}", id);
        assertThat(host.getString("name")).isEqualTo("kept by hand");
        assertThat(host.getString("managedBy")).isEqualTo("api");
        Api.problem(Api.read("/api/v1/datastores/e1c00000-0000-0000-0000-000000000001"), 404, "not-found");
    }

    @Test
    void wrongHostsAndDatastoresAreRefusedNamingEachFieldAndChangeNothing() {
        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            answered(Api.put("/api/v1/hosts/esx-9", Roles.OPERATOR, Map.of("name", "esx-9")), 201);
            answered(
                    Api.put(
                            "/api/v1/datastores/nfs-9",
                            Roles.OPERATOR,
                            datastore("nfs-9", List.of("esx-9"), 10 * GIB, 2 * GIB, 4 * GIB)),
                    201);
            announced(inventory, DatastoreUpserted.class, "nfs-9");
            int kept = inventory.readFor(Duration.ZERO).size();

            for (String id : List.of("nfs-9", "nfs-new")) {
                String at = "/api/v1/datastores/" + id;
                refused(Api.put(at, Roles.OPERATOR, datastore(id, List.of("esx-9"), -1, 0, null)), "capacityBytes");
                refused(
                        Api.put(at, Roles.OPERATOR, datastore(id, List.of("esx-9"), 10 * GIB, 11 * GIB, null)),
                        "allocatedBytes");
                refused(
                        Api.put(at, Roles.OPERATOR, datastore(id, List.of("esx-9"), 10 * GIB, 0, 10 * GIB + 1)),
                        "reserveBytes");
                refused(Api.put(at, Roles.OPERATOR, datastore(id, List.of("esx-9"), 10 * GIB, 0, -5L)), "reserveBytes");
                refused(
                        Api.put(at, Roles.OPERATOR, datastore(id, List.of("esx-9", "no-such-host"), 10 * GIB, 0, null)),
                        "hostIds[1]");
                refused(
                        Api.put(at, Roles.OPERATOR, datastore(id, List.of("esx-9", "esx-9"), 10 * GIB, 0, null)),
                        "hostIds[1]");
                refused(Api.put(at, Roles.OPERATOR, datastore(id, List.of(), 10 * GIB, 0, null)), "hostIds");
                refused(Api.put(at, Roles.OPERATOR, datastore(" ", List.of("esx-9"), 10 * GIB, 0, null)), "name");
                Api.problem(
                        Api.put(at, Roles.VIEWER, datastore(id, List.of("esx-9"), 10 * GIB, 0, null)),
                        403,
                        "forbidden");
            }
            JsonPath both = Api.put(
                            "/api/v1/datastores/nfs-9",
                            Roles.OPERATOR,
                            datastore("nfs-9", List.of("nowhere"), 10 * GIB, 12 * GIB, null))
                    .then()
                    .statusCode(400)
                    .extract()
                    .jsonPath();
            assertThat(both.getList("errors.field", String.class))
                    .as("every wrong field at once")
                    .containsExactlyInAnyOrder("allocatedBytes", "hostIds[0]");
            refused(
                    Api.put(
                            "/api/v1/datastores/nfs-9",
                            Roles.OPERATOR,
                            datastore("nfs-9", List.of("esx-9"), 3 * GIB, 0, null)),
                    "reserveBytes");
            refused(
                    Api.put(
                            "/api/v1/datastores/NFS-9",
                            Roles.OPERATOR,
                            datastore("nfs-9", List.of("esx-9"), 10 * GIB, 0, null)),
                    "id");
            refused(Api.put("/api/v1/hosts/esx-9", Roles.OPERATOR, Map.of("name", "")), "name");
            refused(Api.put("/api/v1/hosts/-esx", Roles.OPERATOR, Map.of("name", "esx")), "id");

            List<Decoded.Event> all = inventory.readFor(Duration.ofSeconds(1));
            assertThat(all.subList(kept, all.size())).as("nothing announced").noneMatch(event -> List.of(
                            "nfs-9", "nfs-new", "NFS-9", "esx-9", "-esx")
                    .contains(event.envelope().getSubjectId()));
        }
        JsonPath unchanged = Api.get("/api/v1/datastores/{id}", "nfs-9");
        assertThat(unchanged.getLong("capacityBytes")).isEqualTo(10 * GIB);
        assertThat(unchanged.getLong("allocatedBytes")).isEqualTo(2 * GIB);
        assertThat(unchanged.getLong("reserveBytes")).isEqualTo(4 * GIB);
        assertThat(unchanged.getList("hostIds", String.class)).containsExactly("esx-9");
        assertThat(Api.get("/api/v1/hosts/{id}", "esx-9").getString("name")).isEqualTo("esx-9");
        Api.problem(Api.read("/api/v1/datastores/nfs-new"), 404, "not-found");
        Api.problem(Api.read("/api/v1/hosts/-esx"), 404, "not-found");
    }

    /** Asserts a 400 problem that names {@code field} among the wrong ones. */
    private static void refused(Response response, String field) {
        Api.problem(response, 400, "invalid-input");
        assertThat(response.jsonPath().getList("errors.field", String.class)).contains(field);
    }

    /** The next announcement of {@code type} about {@code id}. */
    private static <T extends Message> T announced(EventTap inventory, Class<T> type, String id) {
        return inventory
                .readNext(
                        event -> event.payloadAs(type).isPresent()
                                && event.envelope().getSubjectId().equals(id),
                        WAIT)
                .payloadAs(type)
                .orElseThrow();
    }
}
