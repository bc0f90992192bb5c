package io.ballast.testsupport.containers;

import io.ballast.testsupport.TestInfrastructure;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Under the {@code testcontainers} profile, a {@code @QuarkusTest} class that cannot have its infrastructure fails at
 * once, in one line: when no Docker engine answers, or when it holds the in-process broker ({@code @InjectKafkaBroker
 * KafkaBroker}). Quarkus would otherwise start its test resources and report their failure wrapped in several
 * exceptions with their stack traces. The profile registers this extension alone through JUnit's auto-detection
 * ({@code META-INF/services}); plain tests need it not, since {@code Postgres} fails with the same line.
 *
 * <p>The test class may come from Quarkus' class loader, not this one: its annotations are matched by name.
 */
public final class DockerEngineCheck implements BeforeAllCallback {

    private static final String QUARKUS_TEST = "io.quarkus.test.junit.QuarkusTest";
    private static final String INJECT_KAFKA_BROKER = "io.ballast.testsupport.InjectKafkaBroker";
    private static final String KAFKA_BROKER = "io.ballast.local.KafkaBroker";

    @Override
    public void beforeAll(ExtensionContext context) {
        Optional<Class<?>> testClass = context.getTestClass();
        if (testClass.isEmpty() || !TestInfrastructure.fromContainers() || !isQuarkusTest(testClass.get())) {
            return;
        }
        DockerContainers.requireDockerEngine();
        for (Class<?> type = testClass.get(); type != null; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (field.getType().getName().equals(KAFKA_BROKER)
                        && Arrays.stream(field.getAnnotations())
                                .map(Annotation::annotationType)
                                .anyMatch(annotation -> annotation.getName().equals(INJECT_KAFKA_BROKER))) {
                    throw TestInfrastructure.inProcessBrokerHeld(type.getSimpleName() + "." + field.getName());
                }
            }
        }
    }

    /** Annotated {@code @QuarkusTest}, itself or a superclass, directly or through an annotation of its own. */
    private static boolean isQuarkusTest(Class<?> testClass) {
        for (Class<?> type = testClass; type != null; type = type.getSuperclass()) {
            for (Annotation annotation : type.getDeclaredAnnotations()) {
                Class<? extends Annotation> annotationType = annotation.annotationType();
                if (annotationType.getName().equals(QUARKUS_TEST)
                        || Arrays.stream(annotationType.getDeclaredAnnotations())
                                .anyMatch(
                                        meta -> meta.annotationType().getName().equals(QUARKUS_TEST))) {
                    return true;
                }
            }
        }
        return false;
    }
}
