package io.ballast.support;

import io.ballast.testsupport.Layering;
import org.junit.jupiter.api.Test;

class LayeringTest {

    @Test
    void domainPackagesImportNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.support").check(Layering.mainClasses("io.ballast.support"));
    }
}
