package io.ballast.testsupport;

import org.junit.jupiter.api.Test;

/** service-support's layering, checked here because test-support builds on it (a test of its own would be a cycle). */
class ServiceSupportLayeringTest {

    @Test
    void domainPackagesImportNoFrameworkTypes() {
        Layering.domainImportsNoFrameworkTypes("io.ballast.support").check(Layering.mainClasses("io.ballast.support"));
    }
}
