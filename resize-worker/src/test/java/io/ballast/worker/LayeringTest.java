package io.ballast.worker;

import io.ballast.testsupport.Layering;
import org.junit.jupiter.api.Test;

class LayeringTest {

    @Test
    void domainPackagesImportNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.worker").check(Layering.mainClasses("io.ballast.worker"));
    }
}
