package io.ballast.reservation;

import io.ballast.testsupport.Layering;
import org.junit.jupiter.api.Test;

class LayeringTest {

    @Test
    void domainPackagesImportNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.reservation")
                .check(Layering.mainClasses("io.ballast.reservation"));
    }
}
