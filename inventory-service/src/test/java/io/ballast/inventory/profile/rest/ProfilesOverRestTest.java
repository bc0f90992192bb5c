package io.ballast.inventory.profile.rest;

import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.local.fleet.HostFile;
import io.ballast.proto.events.Topic;
import io.ballast.proto.inventory.v1.ProfileUpserted;
import io.ballast.proto.inventory.v1.VmUpserted;
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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Profiles and VMs' choice of one over REST, announced on the real broker; refused requests change nothing. */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class ProfilesOverRestTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    Broker broker;

    private static Map<String, Object> web() {
        Map<String, Object> web = new HashMap<>();
        web.put("minFreeRatio", 0.3);
        web.put("desiredFreeRatio", 0.5);
        web.put("priority", 70);
        web.put("growthHorizonDays", 30);
        web.put("alignment", "64KiB");
        web.put("noAlign", List.of(5, 1));
        web.put("schedule", "0 2 * * SAT");
        web.put("window", "PT4H");
        return web;
    }

    @Test
    void aProfileIsCreatedChangedAnnouncedAndListedWithTheDefault() {
        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            JsonPath created = Api.put("/api/v1/profiles/web-servers", Roles.OPERATOR, web())
                    .then()
                    .statusCode(201)
                    .header("Location", org.hamcrest.Matchers.endsWith("/api/v1/profiles/web-servers"))
                    .extract()
                    .jsonPath();
            assertThat(created.getDouble("minFreeRatio")).isEqualTo(0.3);
            assertThat(created.getString("alignment")).isEqualTo("64KiB");
            assertThat(created.getList("noAlign", Integer.class)).containsExactly(1, 5);
            assertThat(created.getString("schedule")).isEqualTo("0 2 * * SAT");
            assertThat(created.getString("window")).isEqualTo("PT4H");

            ProfileUpserted announced = inventory
                    .readNext(
                            event -> event.payloadAs(ProfileUpserted.class).isPresent()
                                    && event.envelope().getSubjectId().equals("web-servers"),
                            WAIT)
                    .payloadAs(ProfileUpserted.class)
                    .orElseThrow();
            assertThat(announced.getProfile().getMinFreeRatio()).isEqualTo(0.3);
            assertThat(announced.getProfile().getDesiredFreeRatio()).isEqualTo(0.5);
            assertThat(announced.getProfile().getPriority()).isEqualTo(70);

            Map<String, Object> changed = web();
            changed.put("priority", 80);
            Api.put("/api/v1/profiles/web-servers", Roles.OPERATOR, changed)
                    .then()
                    .statusCode(200);
            assertThat(Api.get("/api/v1/profiles/web-servers").getInt("priority"))
                    .isEqualTo(80);
            assertThat(inventory
                            .readNext(
                                    event -> event.payloadAs(ProfileUpserted.class)
                                                    .isPresent()
                                            && event.envelope().getSubjectId().equals("web-servers"),
                                    WAIT)
                            .payloadAs(ProfileUpserted.class)
                            .orElseThrow()
                            .getProfile()
                            .getPriority())
                    .isEqualTo(80);
        }
        JsonPath listed = Api.get("/api/v1/profiles");
        assertThat(listed.getList("profiles.name", String.class)).contains("default", "web-servers");
        assertThat(listed.getBoolean("profiles.find { it.name == 'default' }.builtIn"))
                .isTrue();
        JsonPath firstPage = Api.get("/api/v1/profiles?limit=1");
        assertThat(firstPage.getList("profiles")).hasSize(1);
        assertThat(firstPage.getString("next")).isNotNull();
    }

    @Test
    void badProfilesAreRefusedAndChangeNothing() {
        Api.put("/api/v1/profiles/vdi", Roles.OPERATOR, web()).then().statusCode(201);
        for (Map.Entry<String, Object> bad : List.<Map.Entry<String, Object>>of(
                Map.entry("schedule", "every saturday"),
                Map.entry("window", "four hours"),
                Map.entry("minFreeRatio", 0.6),
                Map.entry("desiredFreeRatio", -0.2),
                Map.entry("priority", 101),
                Map.entry("growthHorizonDays", -1),
                Map.entry("alignment", "2MiB"),
                Map.entry("noAlign", List.of(0)))) {
            Map<String, Object> body = web();
            body.put(bad.getKey(), bad.getValue());
            Api.problem(Api.put("/api/v1/profiles/vdi", Roles.OPERATOR, body), 400, "invalid-input");
        }
        Map<String, Object> noWindow = web();
        noWindow.remove("window");
        Api.problem(Api.put("/api/v1/profiles/vdi", Roles.OPERATOR, noWindow), 400, "invalid-input");
        Api.problem(Api.put("/api/v1/profiles/Not%20A%20Name", Roles.OPERATOR, web()), 400, "invalid-input");
        Api.problem(Api.put("/api/v1/profiles/default", Roles.OPERATOR, web()), 409, "failed-precondition");
        Api.problem(Api.delete("/api/v1/profiles/default", Roles.OPERATOR), 409, "failed-precondition");
        Api.problem(Api.put("/api/v1/profiles/vdi", Roles.VIEWER, web()), 403, "");
        Api.problem(Api.read("/api/v1/profiles/no-such-profile"), 404, "not-found");

        JsonPath kept = Api.get("/api/v1/profiles/vdi");
        assertThat(kept.getDouble("minFreeRatio")).isEqualTo(0.3);
        assertThat(kept.getString("schedule")).isEqualTo("0 2 * * SAT");
        assertThat(Api.get("/api/v1/profiles/default").getDouble("minFreeRatio"))
                .isEqualTo(0.1);
    }

    @Test
    void aVmTakesAProfileWhichCannotBeRemovedWhileItDoes() {
        String vm = "4b000000-0000-0000-0000-000000000001";
        String uri = new HostFile()
                .pool("pool-p", "4a000000-0000-0000-0000-000000000001", "/ds/p", volume("p.img", 8, 1, "raw"))
                .domain("p", vm, true, disk("vda", "/ds/p/p.img", "raw", "p-1"))
                .writeTo(TestFleets.file("profiles"));
        Api.addHost(uri);
        Api.put("/api/v1/profiles/db", Roles.OPERATOR, web()).then().statusCode(201);

        try (EventTap inventory = EventTap.fromNow(broker.bootstrapServers(), Topic.INVENTORY)) {
            JsonPath chosen = Api.put("/api/v1/vms/" + vm + "/profile", Roles.OPERATOR, Map.of("profile", "db"))
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            assertThat(chosen.getString("profile")).isEqualTo("db");
            VmUpserted announced = inventory
                    .readNext(
                            event -> event.payloadAs(VmUpserted.class).isPresent()
                                    && event.envelope().getSubjectId().equals(vm),
                            WAIT)
                    .payloadAs(VmUpserted.class)
                    .orElseThrow();
            assertThat(announced.getVm().getProfile()).isEqualTo("db");
        }
        assertThat(Api.get("/api/v1/vms?profile=db").getList("vms.id", String.class))
                .containsExactly(vm);
        Api.problem(Api.delete("/api/v1/profiles/db", Roles.OPERATOR), 409, "failed-precondition");
        Api.problem(
                Api.put("/api/v1/vms/" + vm + "/profile", Roles.OPERATOR, Map.of("profile", "nope")),
                400,
                "invalid-input");
        Api.problem(
                Api.put("/api/v1/vms/no-such-vm/profile", Roles.OPERATOR, Map.of("profile", "db")), 404, "not-found");
        assertThat(Api.get("/api/v1/vms/{id}", vm).getString("profile")).isEqualTo("db");

        Api.put("/api/v1/vms/" + vm + "/profile", Roles.OPERATOR, Map.of("profile", "default"))
                .then()
                .statusCode(200);
        assertThat(Api.get("/api/v1/vms/{id}", vm).getString("profile")).isEmpty();
        Api.delete("/api/v1/profiles/db", Roles.OPERATOR).then().statusCode(204);
        Api.problem(Api.read("/api/v1/profiles/db"), 404, "not-found");
    }
}
