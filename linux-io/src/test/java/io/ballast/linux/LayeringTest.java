package io.ballast.linux;

import io.ballast.testsupport.Layering;
import org.junit.jupiter.api.Test;

class LayeringTest {

    @Test
    void importsNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.linux").check(Layering.mainClasses("io.ballast.linux"));
    }
}
