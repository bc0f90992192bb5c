package io.ballast.testsupport;

import java.nio.file.Path;

/** Where a test's libvirt test-driver hosts ({@link io.ballast.local.fleet.HostFile}) are written. */
public final class TestFleets {

    private TestFleets() {}

    /** The host file {@code name}: in the build directory of the module under test. */
    public static Path file(String name) {
        return Path.of("target", "test-fleets", name + ".xml").toAbsolutePath();
    }
}
