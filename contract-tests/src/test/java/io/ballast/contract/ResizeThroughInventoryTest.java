package io.ballast.contract;

import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ballast.local.fleet.HostFile;
import io.ballast.local.launch.Commands;
import io.ballast.proto.events.Decoded;
import io.ballast.proto.events.Topic;
import io.ballast.proto.worker.v1.JobFailed;
import io.ballast.support.security.Roles;
import io.ballast.testsupport.EventTap;
import io.ballast.testsupport.LoopDisk;
import io.ballast.testsupport.Postgres;
import io.ballast.testsupport.Program;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resize job cancelled before its worker began, on real processes: inventory-service discovers a libvirt test host
 * whose one VM has a real partitioned raw image with ext4 on it; the layout is scanned by a worker, a resize asked for
 * over REST is cancelled, and the worker started afterwards is refused the VM's lease and leaves the image as it was.
 * A resize that runs to its end through inventory is worked example 6 ({@link WorkedExamplesTest}).
 */
class ResizeThroughInventoryTest {

    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;
    private static final Duration WAIT = Fleet.WAIT;
    private static final String VM = "3c000000-0000-0000-0000-000000000001";
    private static final String DISK = VM + "-vda";

    @TempDir
    static Path shared;

    private static Fleet fleet;
    private static Fleet.Inventory inventoryService;
    private static RestApi inventory;
    private static Path image;
    private static String uri;
    private static String hostId;

    @BeforeAll
    static void fleet() throws Exception {
        fleet = new Fleet(shared, 0);
        try (LoopDisk disk = LoopDisk.create(shared, GIB, "start=2048, type=83\n")) {
            Path mount = disk.mountExt4(1, shared);
            Files.write(mount.resolve("data"), new byte[(int) (24 * MIB)]);
            disk.unmount(mount);
            image = disk.keep();
        }
        uri = new HostFile()
                .pool(
                        "pool-resize",
                        "3a000000-0000-0000-0000-000000000001",
                        image.getParent().toString(),
                        volume(image.getFileName().toString(), 1, 1, "raw"))
                .domain("resize-loop", VM, true, disk("vda", image.toString(), "raw", "resize-loop-1"))
                .writeTo(shared.resolve("host.xml"));
        inventoryService = fleet.inventoryService(Postgres.shared().freshDatabase("inventory"), uri);
        inventory = new RestApi(inventoryService.httpPort());
        RestApi.ok(inventory.send("POST", "/discovery/refresh", Roles.OPERATOR, RestApi.JSON.createObjectNode()));
        // the refresh answers at once when the look at start holds the host: wait for the look that records the VM
        hostId = await().atMost(WAIT)
                .until(() -> inventory.get("/vms/" + VM), answer -> answer.status() == 200)
                .body()
                .get("hostId")
                .asText();
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void aResizeCancelledBeforeItsWorkerBeganIsRefusedItsLeaseAndChangesNothing() throws Exception {
        // layout known first, so the resize is sent at once; no worker reads the jobs meanwhile
        try (Program scanner = fleet.worker(hostId, inventoryService, uri)) {
            String scanId = RestApi.expect(
                            inventory.send(
                                    "POST",
                                    "/disks/" + DISK + "/scan",
                                    Roles.OPERATOR,
                                    RestApi.JSON.createObjectNode()),
                            202)
                    .get("id")
                    .asText();
            assertThat(awaitEnded(scanId).get("state").asText()).isEqualTo("FINISHED");
        }
        String before = sha256(image);

        try (EventTap progress = fleet.tap(Topic.WORKER_PROGRESS)) {
            JsonNode sent =
                    RestApi.expect(inventory.send("POST", "/resize-jobs", Roles.OPERATOR, resize(192 * MIB)), 201);
            String jobId = sent.get("id").asText();
            JsonNode cancelled = RestApi.ok(inventory.send(
                    "POST", "/resize-jobs/" + jobId + "/cancel", Roles.OPERATOR, RestApi.JSON.createObjectNode()));
            assertThat(cancelled.get("state").asText()).isEqualTo("CANCELLED");

            try (Program worker = fleet.worker(hostId, inventoryService, uri)) {
                Predicate<Decoded.Event> failedAtLease = event -> event.payload() instanceof JobFailed failed
                        && failed.getJobId().equals(jobId);
                JobFailed failed = (JobFailed) progress.readUntil(failedAtLease, WAIT).stream()
                        .filter(failedAtLease)
                        .findFirst()
                        .orElseThrow()
                        .payload();
                assertThat(failed.getStep()).isEqualTo("lease");
                assertThat(failed.getReason()).contains("cancelled");
                assertThat(failed.getRolledBack()).isTrue();
            }
            assertThat(sha256(image)).as("the image as it was").isEqualTo(before);
            JsonNode job = RestApi.ok(inventory.get("/resize-jobs/" + jobId));
            assertThat(job.get("state").asText()).isEqualTo("CANCELLED");
        }
    }

    private static ObjectNode resize(long partitionBytes) {
        ObjectNode request = RestApi.JSON.createObjectNode().put("vmId", VM);
        request.putArray("targets").addObject().put("partition", 1).put("sizeBytes", partitionBytes);
        return request;
    }

    private static JsonNode awaitEnded(String jobId) {
        return await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> RestApi.ok(inventory.get("/resize-jobs/" + jobId)), job -> List.of(
                                "FINISHED", "FAILED", "CANCELLED")
                        .contains(job.get("state").asText()));
    }

    private static String sha256(Path file) {
        return Commands.run("sha256sum", file.toString()).split(" ")[0];
    }
}
