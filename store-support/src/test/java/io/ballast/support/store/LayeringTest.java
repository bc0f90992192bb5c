package io.ballast.support.store;

import io.ballast.testsupport.Layering;
import org.junit.jupiter.api.Test;

class LayeringTest {

    @Test
    void domainPackagesImportNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.support.store")
                .check(Layering.mainClasses("io.ballast.support.store"));
    }
}
