package io.ballast.testsupport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering rule of every Ballast module: domain packages (a feature's root and anything that is not an adapter)
 * import no framework, transport or storage types; only adapter packages map to and from them.
 */
public final class Layering {

    /** Packages where framework types belong: they map between the outside world and the domain. */
    public static final String[] ADAPTER_PACKAGES = {
        "..rest..",
        "..grpc..",
        "..events..",
        "..store..",
        "..config..",
        "..health..",
        "..client..",
        "..cli..",
        "..metrics..",
        // Durable records of a transaction in progress (a resize's journal), written as JSON.
        "..journal..",
        // Benchmarks drive a service from outside, through its real protocols.
        "..bench.."
    };

    /** Types the domain must not see. */
    public static final String[] FRAMEWORK_PACKAGES = {
        "jakarta..",
        "javax.persistence..",
        "io.quarkus..",
        "io.smallrye..",
        "io.vertx..",
        "io.grpc..",
        "io.micrometer..",
        "org.eclipse.microprofile..",
        "org.hibernate..",
        "org.apache.kafka..",
        "org.jboss..",
        "picocli..",
        "com.google.protobuf..",
        "io.ballast.proto..",
        "com.fasterxml.jackson.."
    };

    private Layering() {}

    /** The rule for the module whose code lives under {@code rootPackage}, e.g. {@code io.ballast.inventory}. */
    public static ArchRule domainImportsNoFrameworkTypes(String rootPackage) {
        return noClasses()
                .that()
                .resideInAPackage(rootPackage + "..")
                .and()
                .resideOutsideOfPackages(ADAPTER_PACKAGES)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(FRAMEWORK_PACKAGES)
                .because("domain code is plain Java; adapters (rest, grpc, events, store, config, health, client, cli,"
                        + " metrics, journal, bench) map at the edge")
                // A module may not have domain classes yet; the rule still guards the first one.
                .allowEmptyShould(true);
    }

    /** The main (not test) classes under {@code rootPackage}. */
    public static JavaClasses mainClasses(String rootPackage) {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(rootPackage);
    }
}
