package io.ballast.inventory;

import io.ballast.testsupport.Layering;
import org.junit.jupiter.api.Test;

class LayeringTest {

    @Test
    void domainPackagesImportNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.inventory")
                .check(Layering.mainClasses("io.ballast.inventory"));
    }
}
