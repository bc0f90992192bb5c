package io.ballast.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.ballast.testsupport.fixture.domain.LeakyBudget;
import io.ballast.testsupport.fixture.domain.PlainBudget;
import io.ballast.testsupport.fixture.events.BudgetPublisher;
import org.junit.jupiter.api.Test;

class LayeringTest {

    private static final String FIXTURE = "io.ballast.testsupport.fixture";

    @Test
    void aDomainClassImportingKafkaBreaksTheRule() {
        JavaClasses classes = new ClassFileImporter().importClasses(LeakyBudget.class, PlainBudget.class);

        var result = Layering.domainImportsNoFrameworkTypes(FIXTURE).evaluate(classes);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString())
                .contains(LeakyBudget.class.getName())
                .contains("org.apache.kafka.clients.producer.ProducerRecord");
    }

    @Test
    void anAdapterMayImportKafkaAndTheDomain() {
        JavaClasses classes = new ClassFileImporter().importClasses(BudgetPublisher.class, PlainBudget.class);

        assertThat(Layering.domainImportsNoFrameworkTypes(FIXTURE)
                        .evaluate(classes)
                        .hasViolation())
                .isFalse();
    }
}
