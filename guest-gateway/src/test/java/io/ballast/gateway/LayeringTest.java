package io.ballast.gateway;

import io.ballast.testsupport.Layering;
import org.junit.jupiter.api.Test;

class LayeringTest {

    @Test
    void domainPackagesImportNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.gateway").check(Layering.mainClasses("io.ballast.gateway"));
    }
}
