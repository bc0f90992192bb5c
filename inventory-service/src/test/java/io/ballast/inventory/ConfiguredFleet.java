package io.ballast.inventory;

import static io.ballast.local.fleet.HostFile.disk;
import static io.ballast.local.fleet.HostFile.volume;

import io.ballast.local.fleet.HostFile;
import io.ballast.testsupport.TestFleets;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: two hosts of libvirt's test driver in the service's configuration
 * ({@code ballast.inventory.libvirt-uris}). Host 1 has a local pool and a pool it shares with host 2; a web VM runs
 * on the local pool, a database VM on the shared one; host 2 has an application VM, shut off, on the shared pool.
 * The tests only read these two; a test that changes a host adds one of its own.
 */
public class ConfiguredFleet implements QuarkusTestResourceLifecycleManager {

    public static final String LOCAL_POOL = "c1000000-0000-0000-0000-000000000001";
    public static final String SHARED_POOL = "5a000000-0000-0000-0000-000000000001";
    public static final String WEB = "0b000000-0000-0000-0000-000000000001";
    public static final String DB = "0b000000-0000-0000-0000-000000000002";
    public static final String APP = "0b000000-0000-0000-0000-000000000003";

    public static String host1Uri() {
        return HostFile.uri(TestFleets.file("configured-1"));
    }

    public static String host2Uri() {
        return HostFile.uri(TestFleets.file("configured-2"));
    }

    @Override
    public Map<String, String> start() {
        String one = withSharedPool()
                .pool(
                        "local-1",
                        LOCAL_POOL,
                        "/ds/local-1",
                        volume("web.img", 20, 6, "raw"),
                        volume("install.iso", 1, 1, "iso"))
                .domain("web", WEB, true, disk("vda", "/ds/local-1/web.img", "raw", "web-root"))
                .domain("db", DB, true, disk("vda", "/ds/shared/db.img", "raw", "db-root"))
                .writeTo(TestFleets.file("configured-1"));
        String two = withSharedPool()
                .domain("app", APP, false, disk("vda", "/ds/shared/app.qcow2", "qcow2", "app-root"))
                .writeTo(TestFleets.file("configured-2"));
        return Map.of("ballast.inventory.libvirt-uris", one + "," + two);
    }

    /** A host reaching the pool both hosts share, which holds the database's and the application's images. */
    private static HostFile withSharedPool() {
        return new HostFile()
                .pool(
                        "shared",
                        SHARED_POOL,
                        "/ds/shared",
                        volume("db.img", 40, 10, "raw"),
                        volume("app.qcow2", 10, 2, "qcow2"));
    }

    @Override
    public void stop() {
        // the files stay in the build directory for a look after a failure
    }
}
