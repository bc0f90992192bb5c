package io.ballast.inventory.job.store;

import static io.ballast.local.fleet.HostFile.GIB;
import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ballast.inventory.Api;
import io.ballast.inventory.ConfiguredFleet;
import io.ballast.inventory.SimulatedWorker;
import io.ballast.local.fleet.HostFile;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.Broker;
import io.ballast.testsupport.InjectKafkaBroker;
import io.ballast.testsupport.KafkaResource;
import io.ballast.testsupport.PostgresResource;
import io.ballast.testsupport.TestFleets;
import io.ballast.testsupport.TokenResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A profile's schedule opens a window, and exactly its VMs that can be right-sized get one resize each, largest
 * projected savings first. Time is the test's own: it asks the schedules at instants it chooses.
 */
@QuarkusTest
@WithTestResource(KafkaResource.class)
@WithTestResource(PostgresResource.class)
@WithTestResource(TokenResource.class)
@WithTestResource(ConfiguredFleet.class)
class SchedulesTest {

    private static final long MIB = 1L << 20;
    private static final String BIG = "6b000000-0000-0000-0000-000000000001";
    private static final String SMALL = "6b000000-0000-0000-0000-000000000002";
    private static final String UNSCANNED = "6b000000-0000-0000-0000-000000000003";
    private static final String QCOW = "6b000000-0000-0000-0000-000000000004";
    private static final String OTHER_PROFILE = "6b000000-0000-0000-0000-000000000005";

    @InjectKafkaBroker
    Broker broker;

    @Inject
    Schedules schedules;

    @Test
    void anOpenWindowEnqueuesEachMatchingVmOnceLargestSavingsFirst() {
        String uri = new HostFile()
                .pool(
                        "nightly",
                        "6a000000-0000-0000-0000-000000000001",
                        "/ds/n",
                        volume("big.img", 20, 5, "raw"),
                        volume("small.img", 20, 5, "raw"),
                        volume("unscanned.img", 20, 5, "raw"),
                        volume("q.qcow2", 20, 5, "qcow2"),
                        volume("other.img", 20, 5, "raw"))
                .domain("big", BIG, true, disk("vda", "/ds/n/big.img", "raw", "n-big"))
                .domain("small", SMALL, false, disk("vda", "/ds/n/small.img", "raw", "n-small"))
                .domain("unscanned", UNSCANNED, true, disk("vda", "/ds/n/unscanned.img", "raw", "n-un"))
                .domain("q", QCOW, true, disk("vda", "/ds/n/q.qcow2", "qcow2", "n-q"))
                .domain("other", OTHER_PROFILE, true, disk("vda", "/ds/n/other.img", "raw", "n-other"))
                .writeTo(TestFleets.file("schedules"));
        Api.addHost(uri);
        // daily at 02:00 UTC for two hours; half of each filesystem kept free
        Map<String, Object> nightly =
                Map.of("minFreeRatio", 0.2, "desiredFreeRatio", 0.5, "schedule", "0 2 * * *", "window", "PT2H");
        Api.put("/api/v1/profiles/nightly", Roles.OPERATOR, nightly).then().statusCode(201);
        Api.put("/api/v1/profiles/unscheduled", Roles.OPERATOR, Map.of("minFreeRatio", 0.2, "desiredFreeRatio", 0.5))
                .then()
                .statusCode(201);
        for (String vm : List.of(BIG, SMALL, UNSCANNED, QCOW)) {
            Api.put("/api/v1/vms/" + vm + "/profile", Roles.OPERATOR, Map.of("profile", "nightly"))
                    .then()
                    .statusCode(200);
        }
        Api.put("/api/v1/vms/" + OTHER_PROFILE + "/profile", Roles.OPERATOR, Map.of("profile", "unscheduled"))
                .then()
                .statusCode(200);
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            // big: 16 GiB using 2 GiB: 4 GiB kept half free, 12 GiB to save; small: 8 GiB using 3: 2 to save
            scan(worker, BIG, 16 * GIB, 2 * GIB);
            scan(worker, SMALL, 8 * GIB, 3 * GIB);
            scan(worker, OTHER_PROFILE, 16 * GIB, 2 * GIB);
        }

        Instant tuesday = Instant.parse("2026-12-08T00:00:00Z");
        assertThat(schedules.enqueueDue(tuesday.plus(Duration.ofHours(1))))
                .as("before the window opens")
                .isEmpty();

        List<Schedules.Enqueued> opened = schedules.enqueueDue(tuesday.plus(Duration.ofMinutes(150)));
        assertThat(opened)
                .extracting(Schedules.Enqueued::vmId, Schedules.Enqueued::projectedSavingsBytes)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(BIG, Optional.of(12 * GIB)),
                        org.assertj.core.groups.Tuple.tuple(SMALL, Optional.of(2 * GIB)),
                        org.assertj.core.groups.Tuple.tuple(UNSCANNED, Optional.empty()));
        assertThat(Api.get("/api/v1/resize-jobs/{id}", opened.getFirst().jobId())
                        .getString("state"))
                .isEqualTo("QUEUED");
        assertThat(Api.get("/api/v1/resize-jobs/{id}", opened.getLast().jobId()).getString("state"))
                .as("never scanned: its scan goes first")
                .isEqualTo("WAITING_FOR_SCAN");

        // the sent ones fail (rolled back) at the worker; the one waiting for its scan is cancelled
        try (SimulatedWorker worker = new SimulatedWorker(broker.bootstrapServers())) {
            for (Schedules.Enqueued sent : opened.subList(0, 2)) {
                worker.fail(sent.jobId(), "lock", "the VM is in use");
            }
        }
        Api.post("/api/v1/resize-jobs/" + opened.getLast().jobId() + "/cancel", Roles.OPERATOR, "")
                .then()
                .statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> opened.subList(0, 2).stream()
                .allMatch(sent -> Api.get("/api/v1/resize-jobs/{id}", sent.jobId())
                        .getString("state")
                        .equals("FAILED")));
        assertThat(schedules.enqueueDue(tuesday.plus(Duration.ofMinutes(170))))
                .as("once per window, even after its jobs ended")
                .isEmpty();
        assertThat(schedules.enqueueDue(tuesday.plus(Duration.ofHours(4))))
                .as("after the window closed")
                .isEmpty();
        assertThat(schedules.enqueueDue(tuesday.plus(Duration.ofHours(26))))
                .as("the next night's window")
                .extracting(Schedules.Enqueued::vmId)
                .containsExactly(BIG, SMALL, UNSCANNED);
    }

    private static void scan(SimulatedWorker worker, String vm, long partitionBytes, long usedBytes) {
        worker.scanned(
                vm + "-vda",
                SimulatedWorker.layout(
                        "GPT", 20 * GIB, 0, SimulatedWorker.ext4(1, MIB, partitionBytes, usedBytes, GIB, MIB)));
    }
}
